#!/usr/bin/python3
"""Bad configuration, a missing port or missing hugepages: one line on stderr saying what, why
and how to fix, a non-zero exit, and never a DPDK panic or a stack trace."""
import os
import subprocess
import tempfile

import harness as h

CASES = [
    # (description, arguments, text the one line must contain)
    ("malformed IPv4 prefix", ["--ipv4", "10.0.0.300/24"], "--ipv4"),
    ("prefix length out of range", ["--ipv4", "10.0.0.2/33"], "--ipv4"),
    ("IPv6 multicast as address", ["--ipv6", "ff02::1/64"], "ipv6"),
    ("unknown port driver", ["--port", "nic9000"], "--port"),
    ("interface that does not exist", ["--iface", "nosuchif0"], "nosuchif0"),
    ("bad impairment", ["--impair-rx", "loss=150%"], "impair"),
    ("unknown impairment", ["--impair-rx", "jitterbug=1ms"], "jitterbug"),
    ("gateway outside the prefix", ["--gateway4", "192.168.1.1"], "gateway4"),
    ("hugepages required but not enough", ["--hugepages", "on", "--memory", "900000"], "hugepages/setup"),
    ("vdev that no driver knows", ["--port", "vdev", "--vdev", "net_bogus0"], "rerun with --log-level info"),
    # DPDK's af_xdp takes only as many queues as the interface has combined channels (a veth
    # has none): the one line says so and names the fix.
    ("several queues on a veth (no combined channels for af_xdp)", ["--queues", "2"], "use --port tap"),
    ("several queues, few lcores", ["--queues", "4", "--lcores", "0"], "4 queues need at least 4 lcores"),
    ("option value out of range", ["--queues", "99"], "--queues"),
    ("unknown option", ["--bogus-option"], "--bogus-option"),
]


def run(args, extra_env=None):
    env = dict(os.environ)
    env.update(extra_env or {})
    return subprocess.run([h.ENGINE, "run", "--duration", "1", "--file-prefix", "slip-badcfg"] + args,
                          capture_output=True, text=True, timeout=60, env=env)


def check(desc, args, needle):
    r = run(args)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    ok = (r.returncode != 0 and len(lines) == 1 and lines[0].startswith("slipstream: ") and needle in lines[0]
          and "PANIC" not in r.stderr + r.stdout and "terminate called" not in r.stderr)
    h.log("%-36s exit %d  %s" % (desc, r.returncode, lines[0] if lines else "(no message)"))
    if not ok:
        h.fail("%s: expected one 'slipstream: ...%s...' line and a non-zero exit, got exit %d:\n%s%s" % (
            desc, needle, r.returncode, r.stdout, r.stderr))
    return lines[0]


def second_engine_on_a_held_interface():
    """A second engine on veth0 while one runs there: one line naming the XDP program and the
    process that hold the interface, given before the second engine's driver touches it (DPDK's
    af_xdp, failing to bind the taken queue, detaches the holder's program on its way out), so
    the first engine keeps answering."""
    with h.Engine() as first:
        line = check("second engine on the same interface", [], "veth0 is already taken")
        for needle in ("XDP program", "process %d (" % first.proc.pid):
            if needle not in line:
                h.fail("the line should name the holder (%r): %s" % (needle, line))
        ping = h.peer(["ping", "-c", "5", "-i", "0.1", "-W", "2", "10.0.0.2"])
        if ping.returncode != 0:
            h.fail("the first engine stopped answering after the second one was refused:\n" + ping.stdout)
        first.stop()


def main():
    h.lab_up()  # so only the broken option is wrong
    for desc, args, needle in CASES:
        check(desc, args, needle)
    # The same validation applies to options that come from a TOML config file.
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as cfg:
        cfg.write('# engine config\nipv4 = "10.0.0.2/40"\nudp-echo-port = 7\n')
    check("bad value in a TOML config", ["--config", cfg.name], "--ipv4")
    os.unlink(cfg.name)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as cfg:
        cfg.write('queues = 99\n')
    check("out-of-range value in a TOML config", ["--config", cfg.name], "--queues")
    os.unlink(cfg.name)
    check("missing config file", ["--config", "/nonexistent/slip.toml"], "slip.toml")
    second_engine_on_a_held_interface()
    h.log("PASS")


if __name__ == "__main__":
    main()
