#!/usr/bin/python3
"""TCP through heavy loss against the Linux kernel in netns peer: 64 MiB each way through
the echo service with the engine's impairment at 5% loss plus 1% reordering (1 ms) in
both directions, sha256 equal. It takes 30 s to 4 minutes here: the kernel's own recovery
from the reordering (spurious retransmissions, answered with D-SACKs) and bursts the veth
drops on its side set the pace; the engine's share is counted in the log line.
"""
import harness as h
from tcp_test import lossy_echo


def main():
    h.lab_up()
    lossy_echo("5%", 64 << 20, 700)
    h.log("PASS")


if __name__ == "__main__":
    main()
