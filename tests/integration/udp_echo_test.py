#!/usr/bin/python3
"""10,000 UDP datagrams of random sizes (1..1472 bytes) through the echo service come back
byte-identical, over IPv4; 2,000 more over IPv6 (1..1452 bytes)."""
import os

import harness as h

CLIENT = os.path.join(h.ROOT, "tests", "integration", "udp_echo_client.py")


def main():
    h.lab_up()
    with h.Engine() as engine:
        v4 = h.peer([h.PY, CLIENT, "--host", "10.0.0.2", "--count", "10000", "--min-size", "1",
                     "--max-size", "1472", "--seed", "2026", "--timeout", "2"], timeout=180)
        v6 = h.peer([h.PY, CLIENT, "--host", "fd00::2", "--count", "2000", "--min-size", "1",
                     "--max-size", "1452", "--seed", "6", "--timeout", "2"], timeout=180)
        stats = engine.stop()
    h.log(v4.stdout.strip())
    h.log(v6.stdout.strip())
    if v4.returncode != 0:
        h.fail("IPv4 echo run failed:\n" + v4.stderr)
    if v6.returncode != 0:
        h.fail("IPv6 echo run failed:\n" + v6.stderr)
    replies = h.event(stats, "udp_replies")
    h.log("engine udp_replies=%d, stack drops=%d, mbufs in use at exit %d/%d" % (
        replies, stats["total"]["stack"]["total_drops"], stats["port"]["mbufs_in_use"],
        stats["port"]["mbufs_total"]))
    if replies < 12000:
        h.fail("engine counted %d UDP replies, expected at least 12000" % replies)
    if h.drop(stats, "udp_bad_checksum") != 0:
        h.fail("engine saw bad UDP checksums from the kernel peer")
    h.log("PASS")


if __name__ == "__main__":
    main()
