#!/usr/bin/python3
"""Two queues (`--queues 2`, one polling core each) on a multi-queue tap interface in netns
peer. The kernel spreads flows over the tap's queues by its own hash; each connection lives
on the queue its Toeplitz hash names, so a segment arriving on the other queue is handed
over a ring between the polling cores. Shown here:
  - curl over IPv4 and IPv6, an unknown path's 404, wrk on 4 kept-alive connections;
  - 64 MiB through echo with nc, sha256 equal; 1,000 short connections;
  - the engine's own client (active opens from queue 0) completing 50 connections of 100
    request/response rounds each with a kernel echo server: its local ports are chosen so
    that the flows hash to queue 0, and replies the tap puts on queue 1 are handed back;
  - in the stats: both queues received frames and held connections, frames were handed
    between them, none was dropped for a full ring, and no connection is left at the end.
"""
import os
import subprocess
import time

import harness as h
import tcp_test

LAB = os.path.join(h.ROOT, "scripts", "lab")
CLIENT = os.path.join(h.ROOT, "tests", "integration", "tcp_client.py")


def tap_lab_engine(*args):
    """The engine on a 2-queue tap, the lab attached to it."""
    engine = h.Engine("--port", "tap", "--iface", "dtap0", "--queues", "2", *args)
    r = subprocess.run([LAB, "tap-attach"], capture_output=True, text=True)
    if r.returncode != 0:
        engine.kill()
        h.fail("scripts/lab tap-attach failed: " + r.stdout + r.stderr)
    return engine


def check_queues(stats, label):
    queues = stats["queues"]
    if len(queues) != 2:
        h.fail("%s: %d queues in the stats, 2 expected" % (label, len(queues)))
    handed = sum(q["handed_out"] for q in queues)
    dropped = sum(q["handoff_dropped"] for q in queues)
    opens = [h.event({"total": q}, "tcp_passive_opens") + h.event({"total": q}, "tcp_active_opens") for q in queues]
    h.log("%s: rx %s frames, handed over %d (%s), dropped %d, connections opened %s"
          % (label, [q["rx_packets"] for q in queues], handed, [q["handed_out"] for q in queues], dropped, opens))
    if min(q["rx_packets"] for q in queues) == 0:
        h.fail("%s: a queue received nothing: the tap did not spread flows" % label)
    if handed == 0:
        h.fail("%s: no frame was handed between the queues (steering not exercised)" % label)
    if dropped != 0:
        h.fail("%s: %d frames dropped for a full hand-off ring" % (label, dropped))
    return opens


def serve_checks():
    with tap_lab_engine("--stats-interval", "1") as engine:
        time.sleep(1)
        tcp_test.http_checks()
        tcp_test.echo_file(64 << 20, 120, "64 MiB echo over two queues")
        r = h.peer([h.PY, CLIENT, "short", "10.0.0.2", "7", "1000"], timeout=300)
        h.log(r.stdout.strip())
        if r.returncode != 0:
            h.fail("short connections: " + r.stdout + r.stderr)
        time.sleep(2.5)
        conns, close_wait, time_wait = (int(x) for x in tcp_test.stats_lines(engine)[-1][2:])
        if conns - time_wait != 0 or close_wait != 0:
            h.fail("connections left: %d (%d close-wait)" % (conns, close_wait))
        stats = engine.stop()
    opens = check_queues(stats, "serving")
    if min(opens) == 0:
        h.fail("a queue held no connection: %s" % opens)


def client_checks():
    # The kernel server listens in netns peer before the tap arrives there (tap-attach moves
    # it into the namespace that exists); the engine's first SYNs wait for their retransmission.
    subprocess.run(["ip", "netns", "add", h.NS], capture_output=True)
    subprocess.run(["ip", "-n", h.NS, "link", "set", "lo", "up"], capture_output=True)
    server = subprocess.Popen(["ip", "netns", "exec", h.NS, h.PY, CLIENT, "echo-loop", "5003", "50"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(0.7)
    with tap_lab_engine("--tcp-client", "rr@10.0.0.1:5003", "--tcp-client-bytes", "64", "--tcp-client-rounds", "100",
                        "--tcp-client-count", "50") as engine:
        try:
            engine.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
            h.fail("the engine's client did not finish 50 connections in 120 s:\n" + engine.output()[-2000:])
        stats = engine.stop()
    out, _ = server.communicate(timeout=30)
    h.log("kernel side: " + out.strip())
    c = stats["client"]
    h.log("engine client: %d completed, %d failed" % (c["completed"], c["failed"]))
    if c["completed"] != 50 or c["failed"] != 0:
        h.fail("the engine's client on two queues: %d of 50 completed, %d failed" % (c["completed"], c["failed"]))
    check_queues(stats, "client")


def main():
    h.lab_up()  # the capability check; the tap lab replaces the veth one here
    subprocess.run([LAB, "down"], capture_output=True, check=True)
    try:
        serve_checks()
        subprocess.run([LAB, "down"], capture_output=True, check=True)
        client_checks()
    finally:
        subprocess.run([LAB, "down"], capture_output=True)
        h.lab_up()
    h.log("PASS")


if __name__ == "__main__":
    main()
