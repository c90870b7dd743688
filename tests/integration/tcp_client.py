#!/usr/bin/python3
"""TCP client helpers run inside netns peer against the engine.

  tcp_client.py http HOST N           GET /bytes/N over HTTP/1.1, checks the body against the
                                      engine's pattern (stack/services/tcp_services.cc)
  tcp_client.py short HOST PORT COUNT COUNT sequential connections to the echo service, each
                                      sending 100 bytes and reading them back
Prints one line of results; exits 1 on any mismatch.
"""
import hashlib
import socket
import sys
import time

LINE = 74
PATTERN_LEN = 1998  # whole 74-byte lines in 2 KiB


def pattern():
    return bytes(13 if i % LINE == 72 else 10 if i % LINE == 73 else 33 + ((i // LINE) + (i % LINE)) % 94
                 for i in range(PATTERN_LEN))


def expected_digest(n):
    p = pattern()
    h = hashlib.sha256()
    for _ in range(n // PATTERN_LEN):
        h.update(p)
    h.update(p[:n % PATTERN_LEN])
    return h.hexdigest()


def http(host, n):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect((host, 80))
    s.sendall(b"GET /bytes/%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % n)
    data = b""
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    ok = head.startswith(b"HTTP/1.1 200") and len(body) == n and \
        hashlib.sha256(body).hexdigest() == expected_digest(n)
    print("http %s: %d body bytes, %s" % (host, len(body), "pattern ok" if ok else "MISMATCH"))
    return ok


def short(host, port, count):
    start = time.time()
    payload = bytes(range(100))
    for i in range(count):
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = s.recv(1024)
            if not chunk:
                break
            got += chunk
        s.close()
        if got != payload:
            print("connection %d: echo mismatch (%d bytes)" % (i, len(got)))
            return False
    print("short: %d connections in %.1f s" % (count, time.time() - start))
    return True


def main():
    if sys.argv[1] == "http":
        ok = http(sys.argv[2], int(sys.argv[3]))
    else:
        ok = short(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
