#!/usr/bin/python3
"""TCP client helpers run inside netns peer against the engine.

  tcp_client.py http HOST N           GET /bytes/N over HTTP/1.1, checks the body against the
                                      engine's pattern (stack/services/tcp_services.cc)
  tcp_client.py short HOST PORT COUNT COUNT sequential connections to the echo service, each
                                      sending 100 bytes and reading them back
  tcp_client.py fastopen HOST COUNT   COUNT HTTP fetches with Linux's TCP Fast Open client
                                      (MSG_FASTOPEN): the request rides on the SYN once a
                                      cookie is cached
  tcp_client.py echo-server PORT N [fastopen]
                                      accepts one connection (the engine's echo client), sends
                                      N random bytes while reading the echo, compares sha256
  tcp_client.py echo-loop PORT COUNT [fastopen]
                                      accepts COUNT connections one after another and echoes
                                      each until it closes (a Linux Fast Open server with
                                      "fastopen")
  tcp_client.py sink-server PORT N    accepts one connection (the engine's send client), reads
                                      to EOF, checks N bytes of the engine's pattern
Prints one line of results; exits 1 on any mismatch.
"""
import hashlib
import os
import socket
import sys
import threading
import time

LINE = 74
PATTERN_LEN = 65342  # whole 74-byte lines in the pattern buffer (64 KiB less its headroom)


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


def fastopen(host, count):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    request = b"GET /bytes/1000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    for i in range(count):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.sendto(request, socket.MSG_FASTOPEN, (host, 80))  # connect + data on the SYN (blocking)
        s.settimeout(10)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200") or hashlib.sha256(body).hexdigest() != expected_digest(1000):
            print("fastopen %d: bad response (%d bytes)" % (i, len(data)))
            return False
    print("fastopen: %d fetches ok" % count)
    return True


def listener(port, fast_open=False):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    if fast_open:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 64)
    s.bind(("::", port))
    s.listen(16)
    s.settimeout(60)
    return s


def echo_server(port, n, fast_open=False):
    srv = listener(port, fast_open)
    conn, peer_addr = srv.accept()
    conn.settimeout(120)
    sent_hash, got_hash = hashlib.sha256(), hashlib.sha256()
    got = [0]

    def reader():
        while got[0] < n:
            chunk = conn.recv(1 << 20)
            if not chunk:
                break
            got_hash.update(chunk)
            got[0] += len(chunk)

    t = threading.Thread(target=reader)
    t.start()
    start = time.time()
    left = n
    while left > 0:
        block = os.urandom(min(left, 1 << 20))
        sent_hash.update(block)
        conn.sendall(block)
        left -= len(block)
    t.join(180)
    elapsed = time.time() - start
    conn.shutdown(socket.SHUT_WR)
    conn.close()
    ok = got[0] == n and got_hash.digest() == sent_hash.digest()
    print("echo-server: %d bytes each way with %s in %.1f s (%.2f Gbit/s), sha256 %s" % (
        got[0], peer_addr[0], elapsed, 8 * n / elapsed / 1e9, "equal" if ok else "DIFFERENT"))
    return ok


def echo_loop(port, count, fast_open):
    srv = listener(port, fast_open)
    total = 0
    for _ in range(count):
        conn, _ = srv.accept()
        conn.settimeout(30)
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            conn.sendall(chunk)
            total += len(chunk)
        conn.close()
    print("echo-loop: %d connections, %d bytes echoed" % (count, total))
    return True


def sink_server(port, n):
    srv = listener(port)
    conn, peer_addr = srv.accept()
    conn.settimeout(120)
    h = hashlib.sha256()
    got = 0
    start = time.time()
    while True:
        chunk = conn.recv(1 << 20)
        if not chunk:
            break
        h.update(chunk)
        got += len(chunk)
    elapsed = time.time() - start
    conn.close()
    ok = got == n and h.hexdigest() == expected_digest(n)
    print("sink-server: %d bytes from %s in %.1f s (%.2f Gbit/s), %s" % (
        got, peer_addr[0], elapsed, 8 * got / max(elapsed, 1e-9) / 1e9, "pattern ok" if ok else "MISMATCH"))
    return ok


def main():
    cmd = sys.argv[1]
    if cmd == "http":
        ok = http(sys.argv[2], int(sys.argv[3]))
    elif cmd == "fastopen":
        ok = fastopen(sys.argv[2], int(sys.argv[3]))
    elif cmd == "echo-server":
        ok = echo_server(int(sys.argv[2]), int(sys.argv[3]), len(sys.argv) > 4 and sys.argv[4] == "fastopen")
    elif cmd == "echo-loop":
        ok = echo_loop(int(sys.argv[2]), int(sys.argv[3]), len(sys.argv) > 4 and sys.argv[4] == "fastopen")
    elif cmd == "sink-server":
        ok = sink_server(int(sys.argv[2]), int(sys.argv[3]))
    else:
        ok = short(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
