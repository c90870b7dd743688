#!/usr/bin/python3
"""TCP against the Linux kernel in netns peer:
  - curl fetches GET /bytes/N from the HTTP responder over IPv4 and IPv6 (body checked
    against the pattern), and an unknown path is a 404; wrk keeps 4 connections busy with
    small requests, without errors and at thousands of requests per second;
  - 1 GiB through the echo service with nc (1 GiB each way at once), sha256 equal;
  - 64 MiB each way through echo with the engine's impairment at 1% loss plus reordering,
    sha256 equal (5%: tcp_loss_test.py), and tshark on a capture of it flags nothing
    malformed, no error and no bad checksum in the engine's segments;
  - 10,000 sequential short connections, after which the connection table is empty and the
    buffer pool is back at its baseline;
  - connecting to a closed port is refused (RST).
"""
import hashlib
import os
import re
import subprocess
import tempfile
import time

import harness as h

CLIENT = os.path.join(h.ROOT, "tests", "integration", "tcp_client.py")


def sha256_file(path):
    d = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return d.hexdigest()
            d.update(b)


def echo_file(size, timeout, label):
    """Sends `size` random bytes through the echo service with nc; returns seconds taken."""
    tmp = tempfile.mkdtemp(prefix="slip-tcp-")
    src, dst = os.path.join(tmp, "in"), os.path.join(tmp, "out")
    with open(src, "wb") as f:
        left = size
        while left:
            n = min(left, 1 << 24)
            f.write(os.urandom(n))
            left -= n
    start = time.time()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        r = subprocess.run(["ip", "netns", "exec", h.NS, "timeout", str(timeout), "nc", "-N", "10.0.0.2", "7"],
                           stdin=fin, stdout=fout, stderr=subprocess.PIPE, timeout=timeout + 10)
    took = time.time() - start
    got = os.path.getsize(dst)
    same = got == size and sha256_file(src) == sha256_file(dst)
    h.log("%s: %d of %d bytes back in %.1f s (%.0f Mbit/s each way), sha256 %s"
          % (label, got, size, took, size * 8 / took / 1e6, "equal" if same else "DIFFERENT"))
    subprocess.run(["rm", "-rf", tmp])
    if not same:
        h.fail("%s: echo did not return the same bytes (nc exit %d %s)" % (label, r.returncode, r.stderr))
    return took


def http_checks():
    for host in ("10.0.0.2", "fd00::2"):
        r = h.peer([h.PY, CLIENT, "http", host, str(10 * 1000 * 1000)], timeout=120)
        h.log(r.stdout.strip())
        if r.returncode != 0:
            h.fail("HTTP fetch from %s: %s%s" % (host, r.stdout, r.stderr))
    for url in ("http://10.0.0.2:80/bytes/100000", "http://[fd00::2]:80/bytes/100000"):
        r = h.peer(["curl", "-s", "-m", "20", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", url])
        h.log("curl %s -> %s" % (url, r.stdout))
        if r.stdout.strip() != "200 100000":
            h.fail("curl %s: %s %s" % (url, r.stdout, r.stderr))
    r = h.peer(["curl", "-s", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", "http://10.0.0.2:80/nothing"])
    if r.stdout.strip() != "404":
        h.fail("unknown path should be 404, got " + r.stdout)
    wrk_check()


def wrk_check():
    """wrk keeps 4 connections alive with one small request in flight on each: every answer
    must come back whole (no socket errors, no non-2xx) and within a round trip or so. An
    answer whose body waits behind Nagle for a delayed ACK takes 40 ms; 25 requests/s per
    connection would show it."""
    r = h.peer(["wrk", "-t1", "-c4", "-d3s", "--latency", "http://10.0.0.2:80/bytes/100"], timeout=60)
    out = r.stdout
    h.log("wrk: " + " | ".join(line.strip() for line in out.splitlines()
                                if re.search(r"Latency |Requests/sec|requests in|99%|errors|Non-2xx", line)))
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if r.returncode != 0 or m is None:
        h.fail("wrk did not run: %s %s" % (out, r.stderr))
    if "Socket errors" in out or "Non-2xx" in out:
        h.fail("wrk saw errors: " + out)
    if float(m.group(1)) < 2000:
        h.fail("wrk: %s requests/s on 4 kept-alive connections (expected thousands)" % m.group(1))


def stats_lines(engine):
    return re.findall(r"mbufs (\d+)/\d+ views (\d+) \| tcp (\d+) conns \((\d+) close-wait, (\d+) time-wait\)", engine.output())


def main():
    h.lab_up()
    with h.Engine("--stats-interval", "1") as engine:
        time.sleep(1.5)
        base_mbufs, base_views = (int(x) for x in stats_lines(engine)[-1][:2])
        http_checks()
        refused = h.peer(["nc", "-z", "-w", "3", "10.0.0.2", "4444"])
        if refused.returncode == 0:
            h.fail("a connection to closed port 4444 succeeded")
        echo_file(1 << 30, 300, "1 GiB echo")
        r = h.peer([h.PY, CLIENT, "short", "10.0.0.2", "7", "10000"], timeout=600)
        h.log(r.stdout.strip())
        if r.returncode != 0:
            h.fail("short connections: " + r.stdout + r.stderr)
        time.sleep(2.5)
        mbufs, views, conns, close_wait, time_wait = (int(x) for x in stats_lines(engine)[-1])
        h.log("after 10,000 connections: %d connections in the table (%d in TIME-WAIT from the HTTP fetches "
              "the engine closed first), %d buffers in use (baseline %d), %d payload views (baseline %d)" %
              (conns, time_wait, mbufs, base_mbufs, views, base_views))
        # TIME-WAIT: the two HTTP fetches with Connection: close and the 404 (every error
        # answer closes the connection), which the engine closed first.
        if conns - time_wait != 0 or close_wait != 0 or time_wait > 3:
            h.fail("connections left in the table: %d (%d close-wait, %d time-wait)" % (conns, close_wait, time_wait))
        if abs(mbufs - base_mbufs) > 64:
            h.fail("buffer pool not back at its baseline: %d vs %d" % (mbufs, base_mbufs))
        if abs(views - base_views) > 64:
            h.fail("view pool not back at its baseline: %d vs %d" % (views, base_views))
        stats = engine.stop()
    if h.drop(stats, "tcp_no_listener") < 1:
        h.fail("the refused connection was not counted")
    # tshark looks at every segment the engine sent through loss and reordering:
    # retransmissions, SACK and D-SACK blocks, window updates.
    with h.Capture("tcp_loss") as capture:
        lossy_echo("1%", 64 << 20, 300)
    capture.check()
    h.log("PASS")


def lossy_echo(loss, size, timeout):
    """`size` bytes each way through echo with the engine's impairment (both directions)."""
    with h.Engine("--impair", "loss=%s,reorder=1%%,seed=5" % loss) as engine:
        echo_file(size, timeout, "%d MiB echo at %s loss + 1%% reordering" % (size >> 20, loss))
        stats = engine.stop()
    h.log("  retransmits %d, fast retransmits %d, RTOs %d, tail probes %d, duplicates received %d"
          % (h.event(stats, "tcp_retransmits"), h.event(stats, "tcp_fast_retransmits"),
             h.event(stats, "tcp_timeouts"), h.event(stats, "tcp_tail_loss_probes"),
             h.drop(stats, "tcp_duplicate")))
    if h.event(stats, "tcp_retransmits") == 0:
        h.fail("no retransmissions under %s loss: impairment not active?" % loss)


if __name__ == "__main__":
    main()
