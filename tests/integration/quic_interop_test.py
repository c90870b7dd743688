#!/usr/bin/python3
"""HTTP/3 on the engine's QUIC port against ngtcp2's gtlsclient in netns peer, one case per
QUIC interop runner test case the lab can run with this client (each reports PASS or FAIL on
its own line; the test fails if any case fails):
  handshake      one small GET, handshake completed and confirmed, the answer byte-identical
  transfer       1 KB and 5 MB static files (--http-root) and 50 MB of /bytes/N on one
                 connection, byte-identical, with the 50 MB transfer's goodput
  multiplexing   2,000 GETs of /bytes/N (distinct N) on one connection, each byte-identical,
                 through the stream limit (MAX_STREAMS credit given back as requests end)
  chacha20       the client offering only TLS_CHACHA20_POLY1305_SHA256
  retry          --quic-retry always: a Retry first, the token accepted, the download done
  keyupdate      the client updates its keys during a download (RFC 9001 §6); the engine
                 counts the update it followed
  ipv6           a download over IPv6
  handshakeloss  the client dropping 30% of what it sends and receives (its -t/-r), small GETs
  transferloss   the client dropping 2% of both directions during a 5 MB download
  tshark         a capture of an unimpaired run decrypted with the client's key log: HTTP/3
                 inside the 1-RTT packets, nothing malformed"""
import os
import shutil
import subprocess
import tempfile
import time

import harness as h

PORT = 4433
HOST4, HOST6 = "10.0.0.2", "fd00::2"


class CaseFailed(Exception):
    pass


def check(ok, why):
    if not ok:
        raise CaseFailed(why)


# GET /bytes/N's content: RFC 864's rotating lines of 72 characters and CRLF, from a block of
# 885 lines that repeats.
BLOCK = bytes(13 if c == 72 else 10 if c == 73 else 33 + (l + c) % 94 for l in range(885) for c in range(74))


def pattern(n):
    return (BLOCK * (n // len(BLOCK) + 1))[:n]


def make_cert(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,IP:10.0.0.2,IP:fd00::2"], capture_output=True, text=True)
    if r.returncode != 0:
        h.fail("openssl could not make a certificate: " + r.stderr)
    return cert, key


def gtlsclient(paths, download, host=HOST4, flags=(), keylog=None, timeout=60, quiet=True):
    """GETs `paths` on one connection into `download`; returns (output, seconds)."""
    url_host = "[%s]" % host if ":" in host else host
    urls = ["https://%s:%d%s" % (url_host, PORT, p) for p in paths]
    env = dict(os.environ)
    if keylog:
        env["SSLKEYLOGFILE"] = keylog
    os.makedirs(download, exist_ok=True)
    cmd = ["timeout", str(timeout), "gtlsclient", "--exit-on-all-streams-close", "--download=" + download,
           "-n", str(len(urls))] + (["-q"] if quiet else []) + list(flags) + [host, str(PORT)] + urls
    start = time.time()
    r = h.peer(cmd, timeout=timeout + 30, env=env)
    seconds = time.time() - start
    out = r.stdout + r.stderr
    check(r.returncode == 0, "gtlsclient exit %d after %.1f s:\n%s" % (r.returncode, seconds, out[-2000:]))
    return out, seconds


def expect_files(download, files):
    """`files`: name -> expected bytes; each downloaded file must be identical."""
    for name, want in files.items():
        path = os.path.join(download, name)
        check(os.path.exists(path), "%s was not downloaded" % name)
        with open(path, "rb") as f:
            got = f.read()
        if got != want:
            first = next((i for i in range(min(len(got), len(want))) if got[i] != want[i]), min(len(got), len(want)))
            raise CaseFailed("%s: %d bytes, expected %d, first difference at %d" % (name, len(got), len(want), first))


class Interop:
    def __init__(self, d, cert, key, root, files):
        self.d, self.cert, self.key, self.root, self.files = d, cert, key, root, files
        self.results = []
        self.count = 0

    def engine(self, *extra):
        return h.Engine("--quic-port", str(PORT), "--quic-cert", self.cert, "--quic-key", self.key,
                        "--http-root", self.root, *extra)

    def fresh_dir(self):
        self.count += 1
        p = os.path.join(self.d, "dl%d" % self.count)
        os.makedirs(p)
        return p

    def run(self, name, fn):
        start = time.time()
        try:
            detail = fn() or ""
            self.results.append((name, True))
            h.log("case %-14s PASS %5.1f s  %s" % (name, time.time() - start, detail))
        except CaseFailed as e:
            self.results.append((name, False))
            h.log("case %-14s FAIL %5.1f s  %s" % (name, time.time() - start, e))
        except subprocess.TimeoutExpired as e:
            self.results.append((name, False))
            h.log("case %-14s FAIL %5.1f s  timed out: %s" % (name, time.time() - start, e.cmd[-1]))

    # The cases.
    def handshake(self):
        dl = self.fresh_dir()
        out, s = gtlsclient(["/bytes/1000"], dl, quiet=False)
        for needle in ("Negotiated ALPN is h3", "QUIC handshake has completed", "QUIC handshake has been confirmed"):
            check(needle in out, "no '%s' in the client's output" % needle)
        expect_files(dl, {"1000": pattern(1000)})
        return "%.2f s" % s

    def transfer(self):
        dl = self.fresh_dir()
        big = 50 * 1000 * 1000
        _, s = gtlsclient(["/small.bin", "/medium.bin", "/bytes/%d" % big], dl, timeout=120)
        expect_files(dl, {"small.bin": self.files["small.bin"], "medium.bin": self.files["medium.bin"]})
        expect_files(dl, {str(big): pattern(big)})
        return "55 MB in %.2f s (%.0f Mbit/s over the whole connection)" % (s, (big + 5e6 + 1e3) * 8 / s / 1e6)

    def multiplexing(self):
        dl = self.fresh_dir()
        sizes = range(100, 2100)
        _, s = gtlsclient(["/bytes/%d" % n for n in sizes], dl, timeout=120)
        expect_files(dl, {str(n): pattern(n) for n in sizes})
        return "2000 requests in %.2f s (%.0f/s)" % (s, 2000 / s)

    def chacha20(self):
        dl = self.fresh_dir()
        # GnuTLS priority syntax for the runner's TLS_CHACHA20_POLY1305_SHA256 only.
        out, s = gtlsclient(["/small.bin"], dl, quiet=False,
                            flags=["--ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305"])
        check("Negotiated cipher suite is CHACHA20-POLY1305" in out, "the cipher suite was not ChaCha20-Poly1305")
        expect_files(dl, {"small.bin": self.files["small.bin"]})
        return "%.2f s" % s

    def transferloss(self):
        dl = self.fresh_dir()
        _, s = gtlsclient(["/medium.bin"], dl, flags=["-t", "0.02", "-r", "0.02"], timeout=120)
        expect_files(dl, {"medium.bin": self.files["medium.bin"]})
        return "5 MB at 2%% loss each way in %.2f s" % s

    def handshakeloss(self):
        # At 30% loss each way a client's own drops alone end about 3% of its handshakes: all
        # its Initials lost (0.3^4), or its acknowledgments lost while the engine, at the 3x
        # amplification limit, may send nothing until it hears more (RFC 9002 §6.2.2.1), past
        # gtlsclient's fixed 10 s handshake timeout (ERR_HANDSHAKE_TIMEOUT, exit 0). One such
        # connection of five is tolerated and reported; a wrong download never is.
        times, gave_up = [], 0
        for i in range(5):
            dl = self.fresh_dir()
            out, s = gtlsclient(["/small.bin"], dl, flags=["-t", "0.3", "-r", "0.3"], timeout=60, quiet=False)
            if "ERR_HANDSHAKE_TIMEOUT" in out and not os.path.exists(os.path.join(dl, "small.bin")):
                gave_up += 1
                check(gave_up <= 1, "%d of %d handshakes timed out in the client" % (gave_up, i + 1))
                times.append("timeout")
                continue
            try:
                expect_files(dl, {"small.bin": self.files["small.bin"]})
            except CaseFailed as e:
                # The client's own account of the connection, for the record.
                raise CaseFailed("connection %d, %.1f s: %s; the client's last lines:\n%s" % (
                    i + 1, s, e, "\n".join(out.splitlines()[-40:])))
            times.append("%.1f" % s)
        return "5 connections at 30%% loss each way: %s s" % " ".join(times)

    def ipv6(self):
        dl = self.fresh_dir()
        _, s = gtlsclient(["/medium.bin"], dl, host=HOST6)
        expect_files(dl, {"medium.bin": self.files["medium.bin"]})
        return "5 MB in %.2f s" % s

    def tshark(self):
        dl = self.fresh_dir()
        keylog = os.path.join(self.d, "tshark.keylog")
        capture = os.path.join(self.d, "quic.pcap")
        # --immediate-mode: a packet reaches the file as it is seen; without it, what is still in
        # the kernel's ring when tcpdump is stopped is lost (a short capture loses everything).
        dump = subprocess.Popen(["ip", "netns", "exec", h.NS, "tcpdump", "-q", "-i", "veth1", "-s", "0", "-U",
                                 "--immediate-mode", "-w", capture, "udp port %d" % PORT], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            time.sleep(1)
            gtlsclient(["/bytes/100000", "/small.bin"], dl, keylog=keylog)
            time.sleep(1)
        finally:
            dump.terminate()
            dump.wait(timeout=10)
        expect_files(dl, {"small.bin": self.files["small.bin"]})
        base = ["tshark", "-n", "-r", capture, "-o", "tls.keylog_file:" + keylog]
        bad = subprocess.run(base + ["-Y", "_ws.malformed || _ws.expert.severity >= \"Error\""],
                             capture_output=True, text=True, timeout=120)
        check(bad.returncode == 0, "tshark failed: " + bad.stderr)
        check(not bad.stdout.strip(), "tshark flags packets:\n" + bad.stdout[-3000:])
        # Short-header packets from the engine whose frames tshark could read (decrypted), and
        # STREAM frames among them.
        ours = "udp.srcport == %d && quic.short" % PORT
        r = subprocess.run(base + ["-Y", ours, "-T", "fields", "-e", "quic.frame_type"], capture_output=True,
                           text=True, timeout=120)
        lines = [l for l in r.stdout.splitlines()]
        decrypted = [l for l in lines if l.strip()]
        stream_frames = sum(1 for l in decrypted for t in l.split(",") if t and 8 <= int(t, 0) <= 15)
        check(lines and len(decrypted) == len(lines),
              "%d of the engine's %d 1-RTT packets decrypted" % (len(decrypted), len(lines)))
        check(stream_frames > 0, "no STREAM frame in the engine's decrypted packets")
        h3 = subprocess.run(base + ["-Y", "http3", "-T", "fields", "-e", "http3.frame_type"], capture_output=True,
                            text=True, timeout=120)
        return "%d 1-RTT packets of the engine decrypted, %d STREAM frames, %d packets with HTTP/3 frames" % (
            len(decrypted), stream_frames, len([l for l in h3.stdout.splitlines() if l.strip()]))


def main():
    h.lab_up()
    for tool in ("gtlsclient", "openssl", "tshark", "tcpdump"):
        if shutil.which(tool) is None:
            h.log("SKIP: %s is not installed (gtlsclient: Debian package ngtcp2-client)" % tool)
            raise SystemExit(h.SKIP)
    d = tempfile.mkdtemp(prefix="slip-interop-")
    try:
        cert, key = make_cert(d)
        root = os.path.join(d, "root")
        os.makedirs(root)
        files = {"small.bin": os.urandom(1000), "medium.bin": os.urandom(5 * 1000 * 1000)}
        for name, data in files.items():
            with open(os.path.join(root, name), "wb") as f:
                f.write(data)
        t = Interop(d, cert, key, root, files)
        with t.engine() as engine:
            time.sleep(0.5)
            for name in ("handshake", "transfer", "multiplexing", "chacha20", "ipv6", "handshakeloss",
                         "transferloss", "tshark"):
                t.run(name, getattr(t, name))
            stats = engine.stop()
        q = stats["total"]["quic"]
        h.log("engine quic counters: " + ", ".join("%s=%d" % kv for kv in q.items() if kv[1]))

        def retry():
            with t.engine("--quic-retry", "always") as engine:
                dl = t.fresh_dir()
                out, s = gtlsclient(["/small.bin"], dl, quiet=False)
                check("type=Retry" in out, "no Retry received")
                expect_files(dl, {"small.bin": files["small.bin"]})
                q = engine.stop()["total"]["quic"]
            check(q["retries"] >= 1 and q["tokens_valid"] >= 1, "retries %d, valid tokens %d" % (
                q["retries"], q["tokens_valid"]))
            return "%.2f s, %d retries, %d valid tokens" % (s, q["retries"], q["tokens_valid"])

        def keyupdate():
            with t.engine() as engine:
                dl = t.fresh_dir()
                n = 20 * 1000 * 1000
                _, s = gtlsclient(["/bytes/%d" % n], dl, flags=["--key-update=20ms"], timeout=120)
                expect_files(dl, {str(n): pattern(n)})
                q = engine.stop()["total"]["quic"]
            check(q["key_updates_followed"] >= 1, "the engine followed no key update (initiated %d, followed %d)" % (
                q["key_updates_initiated"], q["key_updates_followed"]))
            return "20 MB in %.2f s; key updates: %d followed, %d ours" % (s, q["key_updates_followed"],
                                                                           q["key_updates_initiated"])

        t.run("retry", retry)
        t.run("keyupdate", keyupdate)
        failed = [n for n, ok in t.results if not ok]
        h.log("%d of %d cases passed%s" % (len(t.results) - len(failed), len(t.results),
                                          ("; failed: " + " ".join(failed)) if failed else ""))
        if failed:
            h.fail("interop cases failed: " + " ".join(failed))
        h.log("PASS")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
