#!/usr/bin/python3
"""The applications on a worker core (`--workers 1`) against the Linux kernel in netns peer:
  - curl fetches GET /bytes/N over IPv4 and IPv6 (body checked against the pattern) and an
    unknown path is a 404; wrk keeps 4 connections busy without errors;
  - 256 MiB through the echo service with nc, sha256 equal;
  - 2,000 sequential short connections, after which no connection is left, the worker holds
    nothing and the buffer pool is back at its baseline;
  - an echo client that sends 32 MiB and never reads: the engine stops reading from it (its
    data waits unconsumed, bounded), the worker is not stuck, and other connections on the
    same queue keep being served meanwhile; the stats show it all per worker.
"""
import json
import os
import re
import socket
import subprocess
import time

import harness as h
import tcp_test

CLIENT = os.path.join(h.ROOT, "tests", "integration", "tcp_client.py")

# Runs in netns peer: connects to echo, sends `total` bytes without reading, and holds the
# connection open for `hold` seconds; prints how many bytes it got into its socket.
UNREAD = r"""
import socket, sys, time
total, hold = int(sys.argv[1]), float(sys.argv[2])
s = socket.create_connection(("10.0.0.2", 7))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.setblocking(False)
sent, chunk, end = 0, b"u" * 65536, time.time() + hold
while time.time() < end:
    if sent < total:
        try:
            sent += s.send(chunk[: min(len(chunk), total - sent)])
            continue
        except BlockingIOError:
            pass
    time.sleep(0.01)
print(sent, flush=True)
"""


def worker_stats(engine):
    """Worker 0's connections, held bytes and held buffers from the engine's stats lines."""
    return re.findall(r"worker 0: (\d+) conns, held (\d+) B/(\d+) bufs", engine.output())


def main():
    h.lab_up()
    with h.Engine("--workers", "1", "--stats-interval", "1") as engine:
        time.sleep(1.5)
        out = engine.output()
        if "on 1 worker(s)" not in out:
            h.fail("the engine does not say its applications run on a worker:\n" + out)
        base = tcp_test.stats_lines(engine)[-1]
        base_mbufs = int(base[0])
        tcp_test.http_checks()
        tcp_test.echo_file(256 << 20, 300, "256 MiB echo through the worker")
        r = h.peer([h.PY, CLIENT, "short", "10.0.0.2", "7", "2000"], timeout=300)
        h.log(r.stdout.strip())
        if r.returncode != 0:
            h.fail("short connections: " + r.stdout + r.stderr)
        unread_check(engine)
        time.sleep(2.5)
        mbufs, views, conns, close_wait, time_wait = (int(x) for x in tcp_test.stats_lines(engine)[-1])
        if conns - time_wait != 0 or close_wait != 0:
            h.fail("connections left in the table: %d (%d close-wait, %d time-wait)" % (conns, close_wait, time_wait))
        if abs(mbufs - base_mbufs) > 64:
            h.fail("buffer pool not back at its baseline: %d vs %d" % (mbufs, base_mbufs))
        stats = engine.stop()
    w = stats["workers"][0]
    h.log("worker 0 at the end: %s" % json.dumps(w))
    if w["connections"] != 0 or w["held_bytes"] != 0 or w["held_buffers"] != 0:
        h.fail("the worker still holds connections or data at the end: %s" % w)
    if w["events_in"] < 10000 or w["commands_out"] < 10000:
        h.fail("the worker saw too few events/commands to have served this run: %s" % w)
    h.log("PASS")


def unread_check(engine):
    """A client that sends and never reads must not stop anyone else."""
    total = 32 << 20
    proc = subprocess.Popen(["ip", "netns", "exec", h.NS, h.PY, "-c", UNREAD, str(total), "6"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    # Meanwhile, others are served on the same queue and worker.
    for i in range(3):
        r = h.peer(["curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                    "http://10.0.0.2:80/bytes/100000"])
        if r.stdout.strip() != "200 100000":
            h.fail("while a client does not read, curl got: %s %s" % (r.stdout, r.stderr))
    tcp_test.echo_file(8 << 20, 60, "8 MiB echo beside a client that does not read")
    time.sleep(1.5)
    held = worker_stats(engine)[-1]
    out, err = proc.communicate(timeout=30)
    sent = int(out.strip() or 0)
    h.log("the non-reading client got %d of %d bytes into its socket; worker then: %s connections, held %s bytes "
          "in %s buffers" % (sent, total, held[0], held[1], held[2]))
    if sent >= total:
        h.fail("the engine read all %d bytes from a client that never reads: no backpressure" % total)
    if int(held[1]) > 4 << 20:
        h.fail("the worker holds %s bytes for one client: not bounded by its window" % held[1])
    if int(held[2]) > int(held[1]) // 1000 + 64:
        h.fail("the worker holds %s buffers for %s bytes: short segments are not compacted" % (held[2], held[1]))


if __name__ == "__main__":
    main()
