"""Shared pieces of the integration tests: the lab, the engine process, the peer namespace.

Every test brings the lab up (idempotent), starts its own engine with the options it needs,
and stops it with SIGTERM at the end, reading the counters the engine writes at exit.
Tests print what they check and exit 0 on success, 1 on failure, 77 when the machine cannot
run them (no root / no network namespaces): meson counts 77 as skipped.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("SLIP_BUILD", os.path.join(ROOT, "build"))
ENGINE = os.path.join(BUILD, "apps", "slipstream")
NS = "peer"
PY = "/usr/bin/python3"
SKIP = 77


def log(msg):
    print(msg, flush=True)


def fail(msg):
    log("FAIL: " + msg)
    sys.exit(1)


def require_lab_capability():
    if os.geteuid() != 0:
        log("SKIP: integration tests need root (network namespaces, AF_XDP)")
        sys.exit(SKIP)


def lab_up():
    require_lab_capability()
    r = subprocess.run([os.path.join(ROOT, "scripts", "lab"), "up"], capture_output=True, text=True)
    if r.returncode != 0:
        fail("scripts/lab up failed: " + r.stdout + r.stderr)
    r = subprocess.run([os.path.join(ROOT, "hugepages", "setup")], capture_output=True, text=True)
    if r.returncode != 0:
        log("note: hugepages/setup: " + (r.stdout + r.stderr).strip())


def peer(cmd, timeout=120, check=False, **kw):
    """Runs a command inside netns peer."""
    r = subprocess.run(["ip", "netns", "exec", NS] + cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        fail(" ".join(cmd) + " failed (exit %d): %s%s" % (r.returncode, r.stdout, r.stderr))
    return r


def flush_peer_neighbors():
    # A new engine has a new MAC only if the port changes; the kernel's cache may still hold
    # an entry from the previous run, which is fine either way, but start clean for ARP/ND checks.
    peer(["ip", "neigh", "flush", "all"])


class Engine:
    """The slipstream binary running against the lab."""

    def __init__(self, *args, startup_timeout=30):
        self.dir = tempfile.mkdtemp(prefix="slip-it-")
        self.ready = os.path.join(self.dir, "ready")
        self.stats_file = os.path.join(self.dir, "stats.json")
        self.out_path = os.path.join(self.dir, "engine.log")
        cmd = [ENGINE, "run", "--ready-file", self.ready, "--stats-file", self.stats_file,
               "--file-prefix", "slip-it-%d" % os.getpid()] + list(args)
        log("engine: " + " ".join(cmd))
        self.out = open(self.out_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.time() + startup_timeout
        while not os.path.exists(self.ready):
            if self.proc.poll() is not None:
                fail("engine exited during start-up (exit %d):\n%s" % (self.proc.returncode, self.output()))
            if time.time() > deadline:
                self.proc.kill()
                fail("engine not ready after %d s:\n%s" % (startup_timeout, self.output()))
            time.sleep(0.05)

    def output(self):
        self.out.flush()
        with open(self.out_path) as f:
            return f.read()

    def stop(self):
        """SIGTERM, wait for a clean exit, return the counters it wrote."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                fail("engine did not stop within 15 s of SIGTERM")
        if self.proc.returncode != 0:
            fail("engine exited with %d:\n%s" % (self.proc.returncode, self.output()))
        with open(self.stats_file) as f:
            return json.load(f)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


def event(stats, name):
    return stats["total"]["stack"]["events"][name]


def drop(stats, name):
    return stats["total"]["stack"]["drops"][name]


class Capture:
    """tcpdump on the peer's end of the veth (whole frames) while the block runs; check() then
    has tshark look at every frame the engine sent, verifying each one's checksums."""

    def __init__(self, name, snaplen=0):
        # 0: whole frames. A shorter snapshot leaves data segments' checksums unverifiable,
        # and tshark then passes them silently as "unverified".
        self.dir = tempfile.mkdtemp(prefix="slip-cap-")
        self.path = os.path.join(self.dir, name + ".pcap")
        self.snaplen = snaplen

    def __enter__(self):
        self.proc = subprocess.Popen(["ip", "netns", "exec", NS, "tcpdump", "-q", "-i", "veth1", "-s",
                                      str(self.snaplen), "-B", "16384", "-w", self.path, "tcp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        return self

    def __exit__(self, *exc):
        time.sleep(0.5)
        self.proc.terminate()
        _, err = self.proc.communicate(timeout=10)
        # "N packets dropped by kernel": frames the capture missed are frames nobody checked.
        self.kernel_drops = 0
        for line in err.splitlines():
            if line.endswith("packets dropped by kernel"):
                self.kernel_drops = int(line.split()[0])

    def check(self, min_frames=1000):
        """Nothing malformed, no error-level expert info, and every TCP (and IPv4 header)
        checksum of the engine's frames verified good: a checksum tshark could not verify
        counts as a failure too."""
        ours = "(ip.src==10.0.0.2 || ipv6.src==fd00::2)"
        bad = ("(_ws.malformed || _ws.expert.severity >= \"Error\" || tcp.checksum.status != \"Good\""
               " || (ip && ip.checksum.status != \"Good\"))")
        start = time.time()
        r = subprocess.run(["tshark", "-n", "-r", self.path, "-o", "tcp.check_checksum:TRUE", "-o",
                            "ip.check_checksum:TRUE", "-Y", "%s && %s" % (ours, bad)],
                           capture_output=True, text=True, timeout=600)
        total = subprocess.run(["tshark", "-n", "-r", self.path, "-Y", ours], capture_output=True, text=True,
                               timeout=600)
        frames = len(total.stdout.splitlines())
        size = os.path.getsize(self.path)
        subprocess.run(["rm", "-rf", self.dir])
        if r.returncode != 0:
            fail("tshark failed: " + r.stderr)
        flagged = r.stdout.strip().splitlines()
        log("tshark: %d of the engine's frames checked whole (%d MB captured, %d dropped by the capture), "
            "%d flagged, in %.1f s" % (frames, size >> 20, self.kernel_drops, len(flagged), time.time() - start))
        if frames < min_frames or flagged:
            fail("tshark flagged the engine's segments (or saw fewer than %d):\n%s" % (min_frames,
                                                                                     "\n".join(flagged[:20])))
