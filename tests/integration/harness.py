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
