#!/usr/bin/python3
"""WebSockets (RFC 6455) on the HTTP server's port, against Debian's python3-websockets in
netns peer, inline and on a worker (`--workers 1`):
  - the handshake (the RFC's sample key and accept value; version 8 gets 426), fragmented
    messages and ping/pong, the closing handshake, an unmasked frame closed with 1002;
  - 100,000 messages through /ws/echo, none lost or reordered;
  - /ws/broadcast: 10 clients sending 1,000 messages each, every client gets all 10,000,
    each sender's in order; a client that stops reading is closed with 1008 while the others
    go on;
  - an /ws/echo client that sends 50 MB while reading nothing: the engine stops reading from
    it (bounded bytes held, its window closed), other connections are served meanwhile, and
    when the client reads again every echo arrives in order;
  - SIGTERM drains: an open WebSocket gets close 1001, a kept-alive HTTP connection is
    closed, and the engine stops as soon as they are gone.
"""
import re
import subprocess
import time
import os

import harness as h

PEER = os.path.join(h.ROOT, "tests", "integration", "ws_peer.py")
URI = "ws://10.0.0.2:80"

# Runs in netns peer: sends 50 MB as 800 binary messages of 64 KiB to /ws/echo without
# reading for `pause` seconds (the library stops reading its socket once its small queue is
# full), then reads: every echo must come back, in order. Prints the count and the verdict.
SLOW_ECHO = r"""
import asyncio, sys, time
import websockets
COUNT, SIZE, pause = 800, 65536, float(sys.argv[1])
def msg(i):
    return bytes([i & 0xff, (i >> 8) & 0xff]) + bytes([(i * 7) & 0xff]) * (SIZE - 2)
async def main():
    async with websockets.connect("ws://10.0.0.2:80/ws/echo", compression=None, ping_interval=None,
                                  max_size=1 << 20, max_queue=1, read_limit=4096) as ws:
        sent = 0
        async def send_all():
            nonlocal sent
            for i in range(COUNT):
                await ws.send(msg(i))
                sent += 1
        sender = asyncio.ensure_future(send_all())
        await asyncio.sleep(pause)
        print("sent before reading: %d of %d" % (sent, COUNT), flush=True)
        bad = 0
        for i in range(COUNT):
            if await asyncio.wait_for(ws.recv(), 30) != msg(i):
                bad += 1
        await sender
        print("echoes: %d, out of order or wrong: %d" % (COUNT, bad), flush=True)
        return bad == 0
sys.exit(0 if asyncio.run(main()) else 1)
"""


def peer_run(args, timeout=300):
    r = h.peer(args, timeout=timeout)
    for line in r.stdout.strip().splitlines():
        h.log("  " + line)
    if r.returncode != 0:
        h.fail("%s failed:\n%s%s" % (" ".join(args[1:3]), r.stdout, r.stderr))
    return r


def slow_echo_check(engine):
    proc = subprocess.Popen(["ip", "netns", "exec", h.NS, h.PY, "-c", SLOW_ECHO, "4"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    # While it reads nothing: others are served, and the engine holds a bounded amount.
    r = h.peer(["curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                "http://10.0.0.2:80/bytes/100000"])
    if r.stdout.strip() != "200 100000":
        h.fail("while a WebSocket client does not read, curl got: " + r.stdout)
    peer_run([h.PY, PEER, "echo", URI + "/ws/echo", "200", "1000"])
    held = re.findall(r"apps held (\d+) B/(\d+) bufs((?: \| worker \d+: \d+ conns, held \d+ B/\d+ bufs, ring-full \d+)*)",
                      engine.output())
    out, err = proc.communicate(timeout=120)
    for line in out.strip().splitlines():
        h.log("  " + line)
    if proc.returncode != 0:
        h.fail("the slow echo client did not get every echo back in order:\n" + out + err)
    sent = int(re.search(r"sent before reading: (\d+)", out).group(1))
    if sent >= 800:
        h.fail("the engine read all 50 MB from a client that read nothing: no backpressure")
    last = held[-1] if held else ("0", "0", "")
    worker_bytes = sum(int(b) for b in re.findall(r"held (\d+) B", last[2]))
    h.log("  while it read nothing: %d of 800 messages sent; the engine held %s B in %s buffers%s"
          % (sent, last[0], last[1], ", the worker %d B" % worker_bytes if last[2] else ""))
    if int(last[0]) + worker_bytes > 8 << 20:
        h.fail("the engine held %d bytes for one slow client: not bounded" % (int(last[0]) + worker_bytes))


def checks(engine):
    peer_run([h.PY, PEER, "handshake", URI + "/ws/echo"])
    peer_run([h.PY, PEER, "fragments", URI + "/ws/echo"])
    peer_run([h.PY, PEER, "close", URI + "/ws/echo", "4001"])
    peer_run([h.PY, PEER, "invalid", URI + "/ws/echo"])
    peer_run([h.PY, PEER, "echo", URI + "/ws/echo", "100000", "64"], timeout=300)
    peer_run([h.PY, PEER, "broadcast", URI + "/ws/broadcast", "10", "1000"], timeout=300)
    peer_run([h.PY, PEER, "slow", URI + "/ws/broadcast", "3", "2000", "4096"], timeout=300)
    slow_echo_check(engine)


# Runs in netns peer: a WebSocket client and a kept-alive HTTP connection wait; the engine is
# stopped meanwhile (SIGTERM). Prints the WebSocket's close code and whether the HTTP
# connection was closed by the server.
DRAIN = r"""
import asyncio, socket, sys
import websockets
async def main():
    http = socket.create_connection(("10.0.0.2", 80), timeout=10)
    http.sendall(b"GET /bytes/10 HTTP/1.1\r\nHost: d\r\n\r\n")
    http.recv(4096)
    async with websockets.connect("ws://10.0.0.2:80/ws/echo", compression=None, ping_interval=None) as ws:
        print("ready", flush=True)
        try:
            await asyncio.wait_for(ws.recv(), 20)
        except websockets.exceptions.ConnectionClosed:
            pass
        code = ws.close_code
    http_closed = http.recv(4096) == b""
    print("ws close %s, http %s" % (code, "closed" if http_closed else "open"), flush=True)
asyncio.run(main())
"""


def drain_check(engine):
    """SIGTERM with a WebSocket and a kept-alive HTTP connection open: both are told (1001,
    a close), and the engine stops well before its drain time runs out."""
    proc = subprocess.Popen(["ip", "netns", "exec", h.NS, h.PY, "-c", DRAIN],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    if "ready" not in first:
        h.fail("the drain client did not get ready: " + first + proc.stderr.read())
    start = time.time()
    engine.stop()
    took = time.time() - start
    out, err = proc.communicate(timeout=20)
    h.log("  stopped in %.2f s; the clients saw: %s" % (took, out.strip()))
    if "ws close 1001" not in out or "http closed" not in out:
        h.fail("graceful drain: want close 1001 and the HTTP connection closed, got: " + out + err)


def main():
    h.lab_up()
    for label, extra in (("inline", []), ("on a worker (--workers 1)", ["--workers", "1"])):
        h.log("== " + label)
        with h.Engine("--stats-interval", "1", "--drain-timeout", "5", *extra) as engine:
            time.sleep(1)
            checks(engine)
            drain_check(engine)
    h.log("PASS")


if __name__ == "__main__":
    main()
