#!/usr/bin/python3
"""The lab works through every kernel-facing port driver, not only AF_XDP: ping, ping -6 and
1,000 UDP echoes through af_packet on veth0, and through a tap interface moved into netns peer."""
import os
import subprocess

import harness as h

CLIENT = os.path.join(h.ROOT, "tests", "integration", "udp_echo_client.py")
LAB = os.path.join(h.ROOT, "scripts", "lab")


def exercise(label):
    v4 = h.peer(["ping", "-c", "5", "-i", "0.05", "-W", "2", "10.0.0.2"])
    v6 = h.peer(["ping", "-6", "-c", "5", "-i", "0.05", "-W", "2", "fd00::2"])
    udp = h.peer([h.PY, CLIENT, "--host", "10.0.0.2", "--count", "1000", "--seed", "3", "--timeout", "2"])
    h.log("%s: %s | %s | %s" % (label, v4.stdout.strip().splitlines()[-2], v6.stdout.strip().splitlines()[-2],
                                udp.stdout.strip().splitlines()[0]))
    if " 0% packet loss" not in v4.stdout or " 0% packet loss" not in v6.stdout or udp.returncode != 0:
        h.fail(label + ": traffic failed\n" + v4.stdout + v6.stdout + udp.stdout + udp.stderr)


def main():
    h.lab_up()
    with h.Engine("--port", "af_packet") as engine:
        exercise("af_packet")
        engine.stop()
    # tap: the engine creates dtap0 in the root namespace; the lab then moves it into peer.
    subprocess.run([LAB, "down"], capture_output=True, check=True)
    try:
        with h.Engine("--port", "tap", "--iface", "dtap0") as engine:
            r = subprocess.run([LAB, "tap-attach"], capture_output=True, text=True)
            if r.returncode != 0:
                h.fail("scripts/lab tap-attach failed: " + r.stdout + r.stderr)
            exercise("tap")
            engine.stop()
    finally:
        subprocess.run([LAB, "down"], capture_output=True)
        h.lab_up()
    h.log("PASS")


if __name__ == "__main__":
    main()
