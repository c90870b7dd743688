#!/usr/bin/python3
"""With 10% loss configured on the engine's receive side, the loss a kernel UDP client observes
through the echo service is within 2.5 percentage points of 10% (5,000 datagrams: the binomial
standard deviation is 0.42 points, so 2.5 points is about 6 sigma), and the engine's impairment
counter agrees with what the client saw."""
import os
import re

import harness as h

CLIENT = os.path.join(h.ROOT, "tests", "integration", "udp_echo_client.py")
COUNT = 5000


def main():
    h.lab_up()
    with h.Engine("--impair-rx", "loss=10%,seed=11") as engine:
        # Warm the neighbor caches first so ARP/ND loss does not count as datagram loss.
        h.peer(["ping", "-c", "3", "-i", "0.05", "10.0.0.2"])
        res = h.peer([h.PY, CLIENT, "--host", "10.0.0.2", "--count", str(COUNT), "--seed", "10",
                      "--expect-loss", "0.10", "--tolerance", "0.025", "--timeout", "0.5"], timeout=240)
        stats = engine.stop()
    h.log(res.stdout.strip())
    if res.returncode != 0:
        h.fail("observed loss outside tolerance or echoes altered:\n" + res.stderr)
    lost = stats["total"]["impair_rx"]["lost"]
    seen = stats["total"]["impair_rx"]["in"]
    h.log("engine impairment: %d of %d received frames dropped (%.2f%%)" % (lost, seen, 100.0 * lost / max(seen, 1)))
    m = re.search(r"received (\d+)", res.stdout)
    if m:
        received = int(m.group(1))
        # Every datagram the engine did not drop came back (nothing else loses on veth).
        if abs((COUNT - received) - lost) > 10:
            h.fail("client lost %d but the engine dropped %d" % (COUNT - received, lost))
    h.log("PASS")


if __name__ == "__main__":
    main()
