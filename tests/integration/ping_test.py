#!/usr/bin/python3
"""ping and ping -6 from netns peer to the engine: every request answered; ARP and ND resolved."""
import harness as h


def main():
    h.lab_up()
    h.flush_peer_neighbors()
    with h.Engine() as engine:
        v4 = h.peer(["ping", "-c", "20", "-i", "0.05", "-W", "2", "10.0.0.2"])
        v6 = h.peer(["ping", "-6", "-c", "20", "-i", "0.05", "-W", "2", "fd00::2"])
        big = h.peer(["ping", "-c", "5", "-i", "0.05", "-s", "1472", "-W", "2", "10.0.0.2"])
        stats = engine.stop()
    h.log(v4.stdout.strip().splitlines()[-2])
    h.log(v6.stdout.strip().splitlines()[-2])
    if " 0% packet loss" not in v4.stdout:
        h.fail("IPv4 ping lost replies:\n" + v4.stdout + v4.stderr)
    if " 0% packet loss" not in v6.stdout:
        h.fail("IPv6 ping lost replies:\n" + v6.stdout + v6.stderr)
    if " 0% packet loss" not in big.stdout:
        h.fail("1500-byte IPv4 ping lost replies:\n" + big.stdout + big.stderr)
    checks = {
        "icmp_echo_replies": h.event(stats, "icmp_echo_replies") >= 25,
        "icmp6_echo_replies": h.event(stats, "icmp6_echo_replies") >= 20,
        "arp_replies_sent": h.event(stats, "arp_replies_sent") >= 1,
        "nd_advertisements_sent": h.event(stats, "nd_advertisements_sent") >= 1,
    }
    for name, ok in checks.items():
        h.log("%-24s %s" % (name, "ok" if ok else "MISSING"))
    if not all(checks.values()):
        h.fail("engine counters do not show the exchanges")
    h.log("PASS")


if __name__ == "__main__":
    main()
