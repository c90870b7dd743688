#!/usr/bin/python3
"""The HTTP/1.1 server (port 80) against real clients in netns peer, once with the
applications inline and once on a worker (`--workers 1`):
  - curl: several URLs on one kept-alive connection (one connect), a static file byte-identical
    to its source with its Content-Type, ETag and If-None-Match (304), HEAD, a chunked upload
    counted by POST /discard;
  - wrk (keep-alive) and h2load in HTTP/1.1 mode: no errors, every request answered;
  - ten pipelined requests in one segment, answered in order;
  - every bad request with its status code, and the connection closed after it: no Host,
    Content-Length with Transfer-Encoding, differing Content-Lengths, obs-fold, bare LF,
    HTTP/2.0 (505), a long target (414), a long head (431), a body over the limit (413), an
    unknown path (404), an unknown method;
  - a client sending its head one byte a second is cut off by the head timeout.
"""
import hashlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

import harness as h

HOST = "10.0.0.2"
BASE = "http://%s:80" % HOST

# Runs in netns peer: sends argv[1] (a Python bytes literal) on a fresh connection, reads
# until the server closes or 5 s pass, prints the first line of the answer and "closed" or
# "open" (whether the server closed the connection after it).
RAW = r"""
import ast, socket, sys, time
data = ast.literal_eval(sys.argv[1])
s = socket.create_connection(("10.0.0.2", 80), timeout=5)
s.sendall(data)
got, closed, end = b"", False, time.time() + 5
while time.time() < end:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        break
    if not chunk:
        closed = True
        break
    got += chunk
print(got.split(b"\r\n", 1)[0].decode(errors="replace"), "closed" if closed else "open")
"""

# Runs in netns peer: ten pipelined GET /bytes/N (N = 1..10) in one send; prints the
# Content-Length of each answer in the order they came.
PIPELINE = r"""
import socket
s = socket.create_connection(("10.0.0.2", 80), timeout=5)
s.sendall(b"".join(b"GET /bytes/%d HTTP/1.1\r\nHost: b\r\n\r\n" % n for n in range(1, 11)))
buf, lengths = b"", []
while len(lengths) < 10:
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
    while True:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            break
        head = buf[:end].decode()
        n = int([l.split(":")[1] for l in head.split("\r\n") if l.lower().startswith("content-length")][0])
        if len(buf) < end + 4 + n:
            break
        lengths.append(n)
        buf = buf[end + 4 + n:]
print(" ".join(map(str, lengths)))
"""

# Runs in netns peer: sends a request head one byte a second; prints how long until the
# server answered or closed, and the first line it sent.
SLOW = r"""
import socket, time
s = socket.create_connection(("10.0.0.2", 80), timeout=1)
start, got = time.time(), b""
for b in b"GET /bytes/1 HTTP/1.1\r\nHost: slow\r\nX-Slow: " + b"x" * 60:
    try:
        s.send(bytes([b]))
    except OSError:
        break
    try:
        chunk = s.recv(4096)
        got += chunk
        if not chunk or got:
            break
    except socket.timeout:
        pass
print("%.1f" % (time.time() - start), got.split(b"\r\n", 1)[0].decode(errors="replace") or "(closed)")
"""


def peer_py(script, *args, timeout=60):
    return h.peer([h.PY, "-c", script] + [str(a) for a in args], timeout=timeout)


def make_root():
    root = tempfile.mkdtemp(prefix="slip-www-")
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write("<html><body>slipstream</body></html>\n")
    with open(os.path.join(root, "style.css"), "w") as f:
        f.write("body { color: #333; }\n")
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(os.urandom(3 << 20))
    os.chmod(root, 0o755)
    return root


def curl_checks(root):
    # Several URLs on one kept-alive connection: curl reuses it (one connect in all).
    urls = ["%s/bytes/100" % BASE, "%s/" % BASE, "%s/style.css" % BASE, "%s/bytes/5000" % BASE]
    r = h.peer(["curl", "-s", "-w", "%{http_code} %{num_connects}\\n"] + sum((["-o", "/dev/null", u] for u in urls), []))
    lines = r.stdout.split()
    codes, connects = lines[0::2], sum(int(x) for x in lines[1::2])
    h.log("curl, 4 URLs kept alive: codes %s, %d connect(s)" % (codes, connects))
    if codes != ["200"] * 4 or connects != 1:
        h.fail("curl keep-alive: codes %s, %d connects (want 200s on one connection)" % (codes, connects))
    # A static file, byte-identical, and its type.
    out = tempfile.mktemp(prefix="slip-dl-")
    r = h.peer(["curl", "-s", "-D", "-", "-o", out, "%s/big.bin" % BASE])
    same = os.path.exists(out) and sha(out) == sha(os.path.join(root, "big.bin"))
    h.log("static file big.bin (3 MiB): %s" % ("byte-identical" if same else "DIFFERENT"))
    if not same:
        h.fail("static file differs from its source:\n" + r.stdout)
    os.unlink(out)
    r = h.peer(["curl", "-s", "-D", "-", "-o", "/dev/null", "%s/style.css" % BASE])
    if not re.search(r"(?im)^content-type: text/css", r.stdout):
        h.fail("style.css without Content-Type text/css:\n" + r.stdout)
    etag = re.search(r'(?im)^etag: (".*?")', r.stdout)
    if not etag:
        h.fail("no ETag on a static file:\n" + r.stdout)
    r = h.peer(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: " + etag.group(1),
                "%s/style.css" % BASE])
    if r.stdout.strip() != "304":
        h.fail("If-None-Match with the ETag should be 304, got " + r.stdout)
    # HEAD: the GET's headers, no body.
    r = h.peer(["curl", "-s", "-I", "%s/bytes/1000" % BASE])
    if not re.search(r"(?im)^content-length: 1000", r.stdout) or not re.search(r"(?im)^date: ", r.stdout):
        h.fail("HEAD /bytes/1000 without Content-Length 1000 and a Date:\n" + r.stdout)
    # A chunked upload, read and counted.
    src = tempfile.mktemp(prefix="slip-up-")
    with open(src, "wb") as f:
        f.write(os.urandom(300000))
    r = h.peer(["curl", "-s", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + src,
                "%s/discard" % BASE])
    os.unlink(src)
    h.log("chunked upload of 300000 bytes: %s" % r.stdout.strip())
    if "300000" not in r.stdout:
        h.fail("chunked upload: the server did not count 300000 bytes: " + r.stdout)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_checks():
    r = h.peer(["wrk", "-t1", "-c8", "-d2s", "%s/bytes/100" % BASE], timeout=60)
    m = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
    h.log("wrk: %s requests/s" % (m.group(1) if m else "?"))
    if r.returncode != 0 or not m or "Socket errors" in r.stdout or "Non-2xx" in r.stdout:
        h.fail("wrk: " + r.stdout + r.stderr)
    r = h.peer(["h2load", "--h1", "-n", "20000", "-c", "50", "%s/bytes/100" % BASE], timeout=120)
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored",
                  r.stdout)
    h.log("h2load --h1: " + (m.group(0) if m else r.stdout[-300:]))
    if not m or int(m.group(4)) != 20000 or int(m.group(5)) != 0 or int(m.group(6)) != 0:
        h.fail("h2load: not every request succeeded:\n" + r.stdout + r.stderr)


BAD = [
    ("no Host in HTTP/1.1", b"GET / HTTP/1.1\r\n\r\n", "400"),
    ("Content-Length with Transfer-Encoding",
     b"POST /discard HTTP/1.1\r\nHost: b\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400"),
    ("differing Content-Lengths", b"POST /discard HTTP/1.1\r\nHost: b\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", "400"),
    ("obs-fold", b"GET / HTTP/1.1\r\nHost: b\r\nX-A: 1\r\n  folded\r\n\r\n", "400"),
    ("bare LF", b"GET / HTTP/1.1\nHost: b\n\n", "400"),
    ("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: b\r\n\r\n", "505"),
    ("a target of 5000 bytes", b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: b\r\n\r\n", "414"),
    ("a head over 8 KiB", b"GET / HTTP/1.1\r\nHost: b\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n", "431"),
    ("a body over the limit", b"POST /discard HTTP/1.1\r\nHost: b\r\nContent-Length: 5000000\r\n\r\n", "413"),
    ("an unknown path", b"GET /nothing-here HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n", "404"),
    ("an unknown method", b"BREW /bytes/1 HTTP/1.1\r\nHost: b\r\n\r\n", "405|501"),
]


def bad_request_checks():
    for label, data, want in BAD:
        r = peer_py(RAW, repr(data))
        out = r.stdout.strip()
        h.log("%-40s -> %s" % (label, out))
        status = out.split(" ")[1] if len(out.split(" ")) > 1 else ""
        if not re.fullmatch(want, status) or not out.endswith("closed"):
            h.fail("%s: want %s and the connection closed, got '%s' %s" % (label, want, out, r.stderr))


def pipeline_and_slow_checks():
    r = peer_py(PIPELINE)
    h.log("ten pipelined requests, answers in order: " + r.stdout.strip())
    if r.stdout.split() != [str(n) for n in range(1, 11)]:
        h.fail("pipelined answers out of order or missing: " + r.stdout + r.stderr)
    r = peer_py(SLOW, timeout=60)
    h.log("a head sent a byte a second: " + r.stdout.strip())
    took = float(r.stdout.split()[0]) if r.stdout.split() else 99
    if took > 6 or "408" not in r.stdout and "(closed)" not in r.stdout:
        h.fail("the slow-header client was not cut off by the 3 s head timeout: " + r.stdout + r.stderr)


def run(root, *extra):
    with h.Engine("--http-root", root, "--http-head-timeout", "3", *extra) as engine:
        time.sleep(1)
        curl_checks(root)
        load_checks()
        pipeline_and_slow_checks()
        bad_request_checks()
        stats = engine.stop()
    return stats


def main():
    h.lab_up()
    root = make_root()
    try:
        h.log("== inline")
        run(root)
        h.log("== on a worker (--workers 1)")
        stats = run(root, "--workers", "1")
        w = stats["workers"][0]
        if w["events_in"] == 0 or w["connections"] != 0:
            h.fail("worker mode: the worker served nothing, or still holds connections: %s" % w)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    h.log("PASS")


if __name__ == "__main__":
    main()
