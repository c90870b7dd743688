#!/usr/bin/python3
"""The engine as a TCP client, and TCP Fast Open both ways, against the Linux kernel in
netns peer:
  - `--tcp-client echo@10.0.0.1:5001`: a kernel server sends 1 GiB of random bytes and
    reads the echo back at the same time (1 GiB each way), sha256 equal;
  - `--tcp-client send@[fd00::1]:5002`: the engine sends 1 GiB of its pattern over IPv6,
    the kernel checks every byte;
  - Linux's Fast Open client (MSG_FASTOPEN) fetching from the engine's HTTP responder:
    after the first fetch the request rides on the SYN (tcp_fast_open_accepted);
  - the engine's Fast Open client against a Linux Fast Open server (net.ipv4.tcp_fastopen=3):
    after the first connection the engine's request rides on the SYN and Linux counts
    TCPFastOpenPassive;
  - tshark on a capture of the Fast Open runs and a 64 MiB engine upload flags nothing
    malformed and no bad checksum in the engine's segments.
"""
import os
import subprocess
import time

import harness as h

CLIENT = os.path.join(h.ROOT, "tests", "integration", "tcp_client.py")
GIB = 1 << 30


def peer_server(*args):
    return subprocess.Popen(["ip", "netns", "exec", h.NS, h.PY, CLIENT] + [str(a) for a in args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def client_run(label, server_args, engine_args, timeout):
    """Starts the kernel server, then the engine client; the engine stops when it is done."""
    server = peer_server(*server_args)
    time.sleep(0.7)
    start = time.time()
    with h.Engine(*engine_args) as engine:
        try:
            engine.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            server.kill()
            h.fail("%s: the engine client did not finish within %d s:\n%s" % (label, timeout, engine.output()))
        stats = engine.stop()
    out, _ = server.communicate(timeout=120)
    h.log("%s: %s (engine done after %.1f s)" % (label, out.strip(), time.time() - start))
    if server.returncode != 0:
        h.fail("%s: the kernel side found a mismatch: %s" % (label, out))
    client = stats.get("client")
    if client is None or client["completed"] < 1 or client["failed"] != 0:
        h.fail("%s: engine client counters wrong: %s" % (label, client))
    return stats


def nstat(counter):
    r = h.peer(["nstat", "-az", counter])
    for line in r.stdout.splitlines():
        parts = line.split()
        if parts and parts[0] == counter:
            return int(parts[1])
    return 0


def fast_open_runs():
    # Linux as the Fast Open client, the engine's HTTP responder as the server.
    with h.Engine() as engine:
        r = h.peer([h.PY, CLIENT, "fastopen", "10.0.0.2", "5"], timeout=60)
        h.log(r.stdout.strip())
        stats = engine.stop()
    if r.returncode != 0:
        h.fail("Linux Fast Open client: " + r.stdout + r.stderr)
    accepted = h.event(stats, "tcp_fast_open_accepted")
    h.log("engine: %d cookies handed out, %d SYNs with data accepted" % (
        h.event(stats, "tcp_fast_open_cookies_sent"), accepted))
    if accepted < 4:
        h.fail("the engine accepted %d Fast Open SYNs of 4 that carried a cookie" % accepted)
    # The engine as the Fast Open client, a Linux Fast Open server.
    h.peer(["sysctl", "-qw", "net.ipv4.tcp_fastopen=3"], check=True)
    before = nstat("TcpExtTCPFastOpenPassive")
    stats = client_run("engine Fast Open rr client", ["echo-loop", 5003, 4, "fastopen"],
                       ["--tcp-client", "rr@10.0.0.1:5003", "--tcp-client-fast-open", "--tcp-client-count", "4",
                        "--tcp-client-rounds", "10", "--tcp-client-bytes", "100"], 60)
    passive = nstat("TcpExtTCPFastOpenPassive") - before
    sent = h.event(stats, "tcp_fast_open_syn_data_sent")
    h.log("engine: %d SYNs with data sent; Linux: %d Fast Open connections accepted" % (sent, passive))
    if sent < 3 or passive < 3:
        h.fail("engine Fast Open client: %d SYNs with data, %d accepted by Linux (want 3 each)" % (sent, passive))


def main():
    h.lab_up()
    if not os.environ.get("SKIP_BULK"):
        client_run("1 GiB each way, engine echo client (IPv4)", ["echo-server", 5001, GIB],
                   ["--tcp-client", "echo@10.0.0.1:5001"], 300)
        client_run("1 GiB from the engine's send client (IPv6)", ["sink-server", 5002, GIB],
                   ["--tcp-client", "send@[fd00::1]:5002", "--tcp-client-bytes", str(GIB)], 300)
    with h.Capture("tcp_client") as capture:
        fast_open_runs()
        client_run("64 MiB from the engine's send client, captured", ["sink-server", 5004, 64 << 20],
                   ["--tcp-client", "send@10.0.0.1:5004", "--tcp-client-bytes", str(64 << 20)], 120)
    capture.check()
    h.log("PASS")


if __name__ == "__main__":
    main()
