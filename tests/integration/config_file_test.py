#!/usr/bin/python3
"""Options from a TOML config file take effect (CLI11 config): the UDP echo service moves to the
port the file names, and the old port answers with ICMP port unreachable (RFC 1122 §4.1.3.1),
which the kernel client sees as 'connection refused'. `slipstream config` prints a file that
`slipstream run --config` accepts back."""
import os
import socket
import subprocess
import tempfile

import harness as h

PROBE = r'''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("10.0.0.2", int(sys.argv[1])))
s.send(b"hello config")
try:
    print("reply:" + s.recv(2048).decode())
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
'''


def main():
    h.lab_up()
    defaults = subprocess.run([h.ENGINE, "config"], capture_output=True, text=True, check=True).stdout
    if "udp-echo-port" not in defaults or "ipv4" not in defaults:
        h.fail("'slipstream config' does not list the run options:\n" + defaults)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as cfg:
        cfg.write(defaults.replace("udp-echo-port=7", "udp-echo-port=5555"))
    try:
        if "udp-echo-port=5555" not in open(cfg.name).read():
            h.fail("could not find udp-echo-port=7 in the default config:\n" + defaults)
        with h.Engine("--config", cfg.name) as engine:
            moved = h.peer([h.PY, "-c", PROBE, "5555"]).stdout.strip()
            old = h.peer([h.PY, "-c", PROBE, "7"]).stdout.strip()
            stats = engine.stop()
    finally:
        os.unlink(cfg.name)
    h.log("port 5555: %s | port 7: %s" % (moved, old))
    if moved != "reply:hello config":
        h.fail("echo on the configured port 5555 did not answer: " + moved)
    if old != "refused":
        h.fail("port 7 should be closed and answer port unreachable: " + old)
    if h.event(stats, "icmp_unreachable_sent") < 1 or h.drop(stats, "udp_no_service") < 1:
        h.fail("engine did not count the port-unreachable exchange")
    h.log("PASS")


if __name__ == "__main__":
    main()
