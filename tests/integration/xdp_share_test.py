#!/usr/bin/python3
"""The engine and the root kernel share veth0 through the engine's own XDP program: from netns
peer, ping, ping -6 and TCP reach the kernel's own 10.0.0.3 / fd00::3 while the engine serves
10.0.0.2 / fd00::2 on the same interface; the program's counters show the engine's frames
redirected and the kernel's passed; nothing stays attached after a clean exit; after SIGKILL the
program stays attached and the next engine replaces it; --xdp-program dpdk still runs."""
import socket
import subprocess
import threading

import harness as h

HOST_V4 = "10.0.0.3"
HOST_V6 = "fd00::3"
HOST_PORT = 8080
GREETING = b"kernel here\n"


def attached_program():
    """The name of the XDP program on veth0, '' when none."""
    out = subprocess.run(["ip", "-d", "link", "show", "dev", "veth0"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("prog/xdp"):
            words = line.split()
            return words[words.index("name") + 1] if "name" in words else "?"
    return ""


def serve_greeting(family, address):
    """A TCP listener of the root kernel on the shared interface: greets and closes."""
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Bound to veth0: the root namespace may route fd00::/64 through another interface too
    # (machines of this kind carry it on eth0), and the replies would follow that route.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"veth0")
    s.bind((address, HOST_PORT))
    s.listen(8)

    def loop():
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            c.sendall(GREETING)
            c.close()

    threading.Thread(target=loop, daemon=True).start()
    return s


def peer_tcp_greeting(address):
    code = ("import socket,sys\n"
            "c=socket.create_connection((sys.argv[1],%d),timeout=3)\n"
            "print(c.recv(100).decode().strip())\n" % HOST_PORT)
    return h.peer([h.PY, "-c", code, address], timeout=20)


def ping(address, count=5):
    flag = ["-6"] if ":" in address else []
    return h.peer(["ping"] + flag + ["-c", str(count), "-i", "0.1", "-W", "2", address], timeout=30)


def check_shared_interface(engine):
    checks = {}
    for address in (HOST_V4, HOST_V6, "10.0.0.2", "fd00::2"):
        r = ping(address)
        checks["ping " + address] = " 0% packet loss" in r.stdout
    for address in (HOST_V4, HOST_V6):
        r = peer_tcp_greeting(address)
        checks["tcp to the kernel's " + address] = r.stdout.strip() == GREETING.decode().strip()
    for url in ("http://10.0.0.2/bytes/1000", "http://[fd00::2]/bytes/1000"):
        r = h.peer(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "--max-time", "5", url])
        checks["http to the engine " + url] = r.stdout.strip() == "200 1000"
    checks["program attached while serving"] = attached_program() == "slip_xdp_filter"
    return checks


def main():
    h.lab_up()
    h.flush_peer_neighbors()
    addrs = subprocess.run(["ip", "-o", "addr", "show", "dev", "veth0"], capture_output=True, text=True).stdout
    if HOST_V4 not in addrs or HOST_V6 not in addrs:
        h.fail("veth0 lacks the root kernel's own addresses %s and %s (scripts/lab up gives them):\n%s"
               % (HOST_V4, HOST_V6, addrs))
    listeners = [serve_greeting(socket.AF_INET, HOST_V4), serve_greeting(socket.AF_INET6, HOST_V6)]

    with h.Engine() as engine:
        checks = check_shared_interface(engine)
        stats = engine.stop()
    xdp = stats.get("xdp", {})
    h.log("xdp program: " + ", ".join("%s %s" % (k, v) for k, v in xdp.items() if v) if xdp else "xdp program: none")
    checks["xdp counters in --stats-file"] = bool(xdp)
    checks["engine's frames redirected"] = xdp.get("redirected", 0) >= 20
    checks["kernel's frames passed"] = xdp.get("passed_not_ours", 0) >= 10
    checks["nothing attached after a clean exit"] = attached_program() == ""

    # SIGKILL: the program stays attached; the next engine removes it and serves.
    killed = h.Engine()
    killed.kill()
    checks["program left attached after SIGKILL"] = attached_program() == "slip_xdp_filter"
    with h.Engine() as engine:
        checks["next engine serves after SIGKILL"] = " 0% packet loss" in ping("10.0.0.2", 3).stdout
        checks["kernel still reachable after SIGKILL"] = " 0% packet loss" in ping(HOST_V4, 3).stdout
        engine.stop()
    checks["nothing attached after the next engine"] = attached_program() == ""

    # DPDK's default program: every frame of the queue goes to the engine.
    with h.Engine("--xdp-program", "dpdk") as engine:
        checks["--xdp-program dpdk serves"] = " 0% packet loss" in ping("10.0.0.2", 3).stdout
        stats = engine.stop()
    checks["--xdp-program dpdk has no xdp counters"] = "xdp" not in stats
    for s in listeners:
        s.close()

    for name, ok in checks.items():
        h.log("%-48s %s" % (name, "ok" if ok else "FAILED"))
    if not all(checks.values()):
        h.fail("the engine and the kernel do not share veth0")
    h.log("PASS")


if __name__ == "__main__":
    main()
