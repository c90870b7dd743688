#!/usr/bin/python3
"""A SYN flood against the engine on af_xdp, answered by its XDP program with SYN cookies: from
netns peer, spoofed SYNs (syn_flood_sender.py, 300k/s asked for 10 s, 200k/s the target) to port 80 while 30
legitimate requests (curl /bytes/1000, 2 s limit each) run one after another; at least 29 must
complete, a bulk transfer started before the flood keeps moving (its rate beside a control run
without the flood is shown), the program's counters must show the cookies it sent, and
afterwards the engine's connections and buffers are back where they were before the flood.
Bounded: under 30 s."""
import os
import re
import threading
import time

import harness as h

RATE = 300000  # asked for; one python core reaches 210k-250k/s here beside the curls
TARGET_RATE = 200000
MIN_RATE = 100000  # below this the flood proves little: fail; between the two: say so
BULK_URL = "http://10.0.0.2/bytes/100000000000"
CONTROL_SECONDS = 3
SECONDS = 10
REQUESTS = 30
URL = "http://10.0.0.2/bytes/1000"
STATUS = re.compile(r"\| mbufs (\d+)/\d+ views \d+ \| tcp (\d+) conns \(\d+ close-wait, (\d+) time-wait\)")


def veth0_mac():
    with open("/sys/class/net/veth0/address") as f:
        return f.read().strip()


def status_lines(engine):
    """(mbufs in use, connections not in TIME-WAIT) of every --stats-interval line so far."""
    return [(int(m.group(1)), int(m.group(2)) - int(m.group(3))) for m in STATUS.finditer(engine.output())]


def bulk_rate(seconds):
    """Bytes/s of one download from the engine for `seconds` (curl stops it at its time limit)."""
    r = h.peer(["curl", "-s", "-o", "/dev/null", "-w", "%{size_download} %{time_total}", "--max-time", str(seconds),
                BULK_URL], timeout=seconds + 10)
    try:
        size, took = r.stdout.split()
        return float(size) / max(float(took), 0.001)
    except ValueError:
        return 0.0


def peer_has_xdp():
    """scripts/lab up gives veth1 a pass-all XDP program: XDP_TX from veth0 (the cookie
    SYN-ACKs) reaches veth1 only while veth1 runs NAPI, which that program gives it."""
    return "prog/xdp" in h.peer(["ip", "-d", "link", "show", "dev", "veth1"]).stdout


def main():
    h.lab_up()
    h.flush_peer_neighbors()
    sender = os.path.join(os.path.dirname(os.path.abspath(__file__)), "syn_flood_sender.py")
    if not peer_has_xdp():
        h.fail("veth1 has no XDP program, so the cookie SYN-ACKs would not reach it; run 'scripts/lab up'")
    with h.Engine("--stats-interval", "1", "--xdp-syn-cookies") as engine:
        # Warm up: the peer learns the engine's MAC, the baseline line appears.
        warm = h.peer(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", URL])
        control = bulk_rate(CONTROL_SECONDS)
        time.sleep(1.2)
        baseline = status_lines(engine)[-1]
        result = {}

        def bulk():
            result["bulk"] = bulk_rate(SECONDS)

        b = threading.Thread(target=bulk)
        b.start()
        time.sleep(0.3)

        def flood():
            r = h.peer([h.PY, sender, "veth1", veth0_mac(), "10.0.0.2", "80", str(RATE), str(SECONDS)],
                       timeout=SECONDS + 20)
            result["flood"] = r.stdout.strip() + r.stderr.strip()

        t = threading.Thread(target=flood)
        t.start()
        time.sleep(0.5)
        served, slow = 0, []
        for _ in range(REQUESTS):
            start = time.monotonic()
            r = h.peer(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "--max-time", "2",
                        URL], timeout=10)
            took = time.monotonic() - start
            if r.stdout.strip() == "200 1000":
                served += 1
            else:
                slow.append("%.2fs %r" % (took, r.stdout.strip()))
            time.sleep(0.2)
        t.join()
        b.join()
        time.sleep(2.5)  # the handshakes the flood left nothing to time out: the table is idle again
        after = status_lines(engine)[-1]
        stats = engine.stop()
    xdp = stats.get("xdp", {})
    match = re.search(r"sent (\d+) in ([\d.]+) s", result.get("flood", ""))
    sent, took = (int(match.group(1)), float(match.group(2))) if match else (0, 1.0)
    h.log("flood: %s (%.0f SYN/s%s)" % (result.get("flood", "?"), sent / took,
                                         "" if sent / took >= TARGET_RATE else
                                         ", below the %d/s target: the sender's core was short" % TARGET_RATE))
    h.log("legitimate requests: %d of %d within 2 s%s" % (served, REQUESTS, (": failed " + ", ".join(slow)) if slow else ""))
    h.log("xdp program: " + ", ".join("%s %s" % (k, v) for k, v in xdp.items() if v and k != "mode"))
    flooded = result.get("bulk", 0.0)
    h.log("bulk transfer: %.0f MB/s without the flood, %.0f MB/s during it (%.2fx)"
          % (control / 1e6, flooded / 1e6, flooded / control if control else 0))
    h.log("engine: %d passive opens, %d of them from XDP cookies, %d SYN cookies of its own"
          % (h.event(stats, "tcp_passive_opens"), h.event(stats, "tcp_syn_cookies_accepted"),
             h.event(stats, "tcp_syn_cookies_sent")))
    h.log("engine before the flood: %d mbufs, %d connections; after: %d mbufs, %d connections" % (baseline + after))
    checks = {
        "warm-up request served": warm.stdout.strip() == "200",
        "flood of at least %dk SYN/s" % (MIN_RATE // 1000): sent / took >= MIN_RATE,
        "at least 29 of 30 requests within 2 s": served >= REQUESTS - 1,
        # The bulk rate is measured and shown, not checked: on two shared cores the sender and
        # the kernel's softirq work for 200k SYN-ACKs/s take one core whole, and the download's
        # curl shares the other with the engine; runs gave 0.26x to 2.1x of the control.
        "bulk transfer still moving": flooded > 0,
        "cookies answered from XDP": xdp.get("syn_cookies_sent", 0) >= sent * 0.9,
        # Every connection the engine opened was a legitimate one (curls, the bulk transfer).
        "the flood did not reach the engine": h.event(stats, "tcp_passive_opens") <= REQUESTS + 3,
        "the engine's TCP accepted the XDP cookies": h.event(stats, "tcp_syn_cookies_accepted") >= REQUESTS,
        "connections back at baseline": after[1] <= baseline[1],
        "buffers back at baseline": after[0] <= baseline[0] + 64,
    }
    for name, ok in checks.items():
        h.log("%-48s %s" % (name, "ok" if ok else "FAILED"))
    if not all(checks.values()):
        h.fail("SYN flood handling")
    h.log("PASS")


if __name__ == "__main__":
    main()
