#!/usr/bin/python3
"""Memory stays bounded for a client that sends and never reads, against the Linux kernel
in netns peer:
  - a kernel client asks GET /bytes/100000000000 and then tries to send 64 MiB of junk
    without reading anything: the engine consumes none of the junk, so its receive window
    closes (the client's socket sits with a full send queue, probing a zero window), the
    client gets only a few MiB off its hands, and the engine's resident memory and buffers
    in use stay flat meanwhile;
  - a request head that never ends within 8 KiB gets 431 and the connection closes.

Run inside the namespace by the test itself: `tcp_unread_test.py junk-client SECONDS` and
`tcp_unread_test.py long-head`.
"""
import os
import re
import socket
import subprocess
import sys
import time

import harness as h

JUNK_TOTAL = 64 << 20
JUNK_SECONDS = 12


def junk_client(seconds):
    """Inside netns peer: the huge request, then junk for `seconds`, reading nothing."""
    s = socket.create_connection(("10.0.0.2", 80), timeout=5)
    s.sendall(b"GET /bytes/100000000000 HTTP/1.1\r\nHost: slipstream\r\n\r\n")
    s.settimeout(0.2)
    junk = b"x" * 65536
    sent = 0
    deadline = time.time() + seconds
    next_report = time.time() + 1
    while sent < JUNK_TOTAL and time.time() < deadline:
        try:
            sent += s.send(junk[: min(len(junk), JUNK_TOTAL - sent)])
        except socket.timeout:
            pass  # the send queue is full: the engine's window is closed
        if time.time() >= next_report:
            print("sent %d" % sent, flush=True)
            next_report += 1
    print("done %d" % sent, flush=True)
    # Held open (still reading nothing) until the test has looked at it; then closed.
    sys.stdin.read()
    s.close()


def long_head_client():
    """Inside netns peer: a head of 9,000 bytes that never ends; prints what comes back."""
    s = socket.create_connection(("10.0.0.2", 80), timeout=5)
    s.sendall(b"GET /bytes/1 HTTP/1.1\r\nX-Long: " + b"a" * 9000)
    answer = b""
    closed = False
    try:
        while True:
            b = s.recv(65536)
            if not b:
                closed = True
                break
            answer += b
    except socket.timeout:
        pass
    print("%r ... %s" % (answer[:60], "then closed" if closed else "no close within 5 s"), flush=True)
    s.close()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        m = re.search(r"VmRSS:\s+(\d+) kB", f.read())
    return int(m.group(1))


def mbufs_in_use(engine):
    found = re.findall(r"mbufs (\d+)/\d+", engine.output())
    return int(found[-1]) if found else None


def client_socket_info():
    """The peer's view of its connection to port 80: ss's Send-Q and TCP info line."""
    r = h.peer(["ss", "-tnoi", "state", "established", "dst", "10.0.0.2", "dport", "=", ":80"])
    lines = r.stdout.strip().splitlines()[1:]
    if not lines:
        return None, ""
    send_q = int(lines[0].split()[1])
    return send_q, " ".join(line.strip() for line in lines)


def main():
    h.lab_up()
    me = os.path.abspath(__file__)
    with h.Engine("--stats-interval", "1") as engine:
        time.sleep(1.5)
        rss_before = rss_kb(engine.proc.pid)
        client = subprocess.Popen(["ip", "netns", "exec", h.NS, h.PY, me, "junk-client", str(JUNK_SECONDS)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        samples = []  # (seconds, rss kB, mbufs in use)
        start = time.time()
        while time.time() - start < JUNK_SECONDS + 1:
            time.sleep(1)
            samples.append((time.time() - start, rss_kb(engine.proc.pid), mbufs_in_use(engine)))
        send_q, info = client_socket_info()
        client.stdin.close()
        out = client.stdout.read()
        client.wait(timeout=10)
        sent = int(re.findall(r"done (\d+)", out)[-1]) if "done" in out else -1
        h.log("junk client: %d of %d bytes off its hands in %d s; its socket now: Send-Q %s, %s"
              % (sent, JUNK_TOTAL, JUNK_SECONDS, send_q, info))
        h.log("engine VmRSS before %d kB, then %s kB; buffers in use %s" %
              (rss_before, [s[1] for s in samples], [s[2] for s in samples]))
        if sent < 0:
            h.fail("the junk client did not finish: " + out)
        # A closed window: the client could hand over little more than its own send buffer
        # and the engine's receive window (1 MiB); a stack that consumed the junk takes all.
        if sent >= 24 << 20:
            h.fail("the engine took %d bytes of junk: its receive window never closed" % sent)
        # Its socket holds what it could not hand over (how much depends on how far Linux grew
        # the socket's buffer before the window closed).
        if send_q is None or send_q < 256 << 10:
            h.fail("the client's send queue is not stuck (Send-Q %s): the window did not close" % send_q)
        if "persist" not in info:
            h.fail("the client is not probing a zero window (no persist timer): " + info)
        # Flat: after the first seconds (the window filling), the engine's resident memory and
        # buffers in use move by no more than a few MiB / a few buffers.
        later = [s for s in samples if s[0] >= 4]
        rss = [s[1] for s in later]
        if max(rss) - min(rss) > 4096:
            h.fail("engine RSS moved by %d kB while the client kept sending" % (max(rss) - min(rss)))
        if max(s[1] for s in samples) - rss_before > 16384:
            h.fail("engine RSS grew by %d kB" % (max(s[1] for s in samples) - rss_before))
        mb = [s[2] for s in later if s[2] is not None]
        if not mb or max(mb) - min(mb) > 64:
            h.fail("buffers in use not flat: %s" % mb)

        r = h.peer([h.PY, me, "long-head"], timeout=30)
        h.log("long head: " + r.stdout.strip())
        if "431 Request Header Fields Too Large" not in r.stdout or "then closed" not in r.stdout:
            h.fail("a head over 8 KiB should get 431 and a close: " + r.stdout + r.stderr)
        stats = engine.stop()
    h.log("engine: %d TCP connections closed, %d segments dropped for a full receive buffer"
          % (h.event(stats, "tcp_closed"), h.drop(stats, "tcp_rcv_buffer_full")))
    h.log("PASS")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "junk-client":
        junk_client(float(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "long-head":
        long_head_client()
    else:
        main()
