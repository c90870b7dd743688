#!/usr/bin/python3
"""The QUIC endpoint on the polling core against real peers in netns peer:
  - ngtcp2's gtlsclient (HTTP/3 only) completes and confirms a QUIC v1 handshake with the engine
    over IPv4 and IPv6 (its request is answered over HTTP/3, 404; the cases of the interop
    runner with downloads are in quic_interop_test.py);
  - tshark, given the client's key log, decodes and decrypts the engine's Initial and Handshake
    packets (ServerHello, Certificate) and finds nothing malformed;
  - a client Initial in a datagram under 1200 bytes is dropped unanswered and counted (RFC 9000
    §14.1);
  - a datagram of an unknown version gets Version Negotiation listing version 1, with the
    connection IDs swapped (RFC 9000 §6, RFC 8999 §6);
  - with --quic-retry always, the client is sent a Retry first and its second Initial, carrying
    the address token, makes the connection (RFC 9000 §8.1.2);
  - --quic-port without a certificate: one line and a non-zero exit."""
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time

import harness as h

PORT = 4433


def make_cert(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,IP:10.0.0.2,IP:fd00::2"], capture_output=True, text=True)
    if r.returncode != 0:
        h.fail("openssl could not make a certificate: " + r.stderr)
    return cert, key


def missing_certificate():
    r = subprocess.run([h.ENGINE, "run", "--duration", "1", "--file-prefix", "slip-quic-badcfg", "--quic-port",
                        str(PORT)], capture_output=True, text=True, timeout=60)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    h.log("no certificate: exit %d  %s" % (r.returncode, lines[0] if lines else "(no message)"))
    if r.returncode == 0 or len(lines) != 1 or "--quic-cert" not in lines[0]:
        h.fail("--quic-port without --quic-cert/--quic-key should give one line and a non-zero exit:\n" + r.stderr)


def bad_qlog_dir(cert, key):
    r = subprocess.run([h.ENGINE, "run", "--duration", "1", "--file-prefix", "slip-quic-badcfg", "--quic-port",
                        str(PORT), "--quic-cert", cert, "--quic-key", key, "--qlog-dir", "/nonexistent/qlogs"],
                       capture_output=True, text=True, timeout=60)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    h.log("missing qlog directory: exit %d  %s" % (r.returncode, lines[0] if lines else "(no message)"))
    if r.returncode == 0 or len(lines) != 1 or "--qlog-dir" not in lines[0]:
        h.fail("a missing --qlog-dir should give one line and a non-zero exit:\n" + r.stderr)


def check_qlogs(qlog_dir, connections):
    """Each server connection's qlog: JSON-SEQ records (RFC 7464) a qlog 0.3 reader takes."""
    files = sorted(f for f in os.listdir(qlog_dir) if f.endswith("-server.sqlog"))
    if len(files) != connections:
        h.fail("expected %d qlog files, found %s" % (connections, files))
    for name in files:
        with open(os.path.join(qlog_dir, name), "rb") as f:
            data = f.read()
        records = [json.loads(r) for r in data.split(b"\x1e") if r.strip()]
        head = records[0]
        if head.get("qlog_version") != "0.3" or head["trace"]["vantage_point"]["type"] != "server":
            h.fail("%s: not a qlog 0.3 server trace: %s" % (name, head))
        names = {r.get("name") for r in records[1:]}
        for needed in ("transport:parameters_set", "transport:packet_sent", "transport:packet_received",
                       "recovery:metrics_updated"):
            if needed not in names:
                h.fail("%s: no %s event (has %s)" % (name, needed, sorted(n for n in names if n)))
        if name[:-len("-server.sqlog")] != head["trace"]["common_fields"]["group_id"]:
            h.fail("%s: the file is not named after its group_id" % name)
        h.log("qlog %s: %d records, %d bytes" % (name, len(records), len(data)))


# Sent from the peer namespace: a 300-byte client Initial (too small) and a 1200-byte long
# header datagram of an unknown version; prints what came back for each.
PROBE = r'''
import os, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
def exchange(d):
    s.sendto(d, ("10.0.0.2", %d))
    try:
        return s.recv(2048).hex()
    except socket.timeout:
        return "none"
dcid, scid = bytes(range(1, 9)), bytes(range(0xa1, 0xa9))
body = os.urandom(300 - 26)  # after 26 bytes of header up to the Length field
small = bytes([0xc3]) + struct.pack("!I", 1) + bytes([8]) + dcid + bytes([8]) + scid + bytes([0]) \
    + struct.pack("!H", 0x4000 | len(body)) + body
assert len(small) == 300
print("small", exchange(small))
unknown = bytes([0xc0]) + struct.pack("!I", 0xfaceb00c) + bytes([8]) + dcid + bytes([8]) + scid
print("unknown", exchange(unknown + bytes(1200 - len(unknown))))
''' % PORT


def probes():
    r = h.peer([h.PY, "-c", PROBE], timeout=30, check=True)
    answers = dict(line.split() for line in r.stdout.splitlines())
    if answers.get("small") != "none":
        h.fail("a 300-byte Initial was answered (RFC 9000 §14.1 says drop): " + answers.get("small", "?"))
    h.log("300-byte client Initial: no answer")
    vn = bytes.fromhex(answers.get("unknown", "none") if answers.get("unknown") != "none" else "")
    if len(vn) < 7 or not vn[0] & 0x80 or struct.unpack("!I", vn[1:5])[0] != 0:
        h.fail("no Version Negotiation for an unknown version: " + answers.get("unknown", "?"))
    dlen = vn[5]
    dcid = vn[6:6 + dlen]
    slen = vn[6 + dlen]
    scid = vn[7 + dlen:7 + dlen + slen]
    rest = vn[7 + dlen + slen:]
    versions = [struct.unpack("!I", rest[i:i + 4])[0] for i in range(0, len(rest), 4)]
    h.log("Version Negotiation: %d bytes, dcid %s scid %s, versions %s" % (
        len(vn), dcid.hex(), scid.hex(), " ".join("0x%08x" % v for v in versions)))
    if dcid != bytes(range(0xa1, 0xa9)) or scid != bytes(range(1, 9)) or 1 not in versions:
        h.fail("Version Negotiation should swap the connection IDs and list version 1")


def gtlsclient(host, url_host, keylog, retry=False):
    env = dict(os.environ, SSLKEYLOGFILE=keylog)
    # The request is answered at once; the timeout only bounds a client that would hang.
    r = h.peer(["timeout", "4", "gtlsclient", "--exit-on-all-streams-close", host, str(PORT),
                "https://%s:%d/" % (url_host, PORT)], timeout=30, env=env)
    out = r.stdout + r.stderr
    for needle in ("Negotiated ALPN is h3", "QUIC handshake has completed", "QUIC handshake has been confirmed"):
        if needle not in out:
            h.fail("gtlsclient to %s: no '%s' (exit %d):\n%s" % (host, needle, r.returncode, out[-3000:]))
    if retry and "type=Retry" not in out:
        h.fail("gtlsclient to %s: no Retry received:\n%s" % (host, out[-3000:]))
    # The client ends the connection itself once its request is over (H3_NO_ERROR, 0x100);
    # the engine must not have closed it.
    closes = [l for l in out.splitlines() if "CONNECTION_CLOSE" in l]
    if any(" frm rx " in l or "(0x100)" not in l for l in closes):
        h.fail("gtlsclient to %s: the connection was closed with an error:\n%s" % (host, "\n".join(closes)))
    cipher = [l for l in out.splitlines() if l.startswith("Negotiated cipher suite")]
    h.log("gtlsclient %s: handshake completed and confirmed (%s)" % (host, cipher[0] if cipher else "?"))


def decode(capture, keylog):
    """tshark decrypts the engine's long-header packets with the client's key log."""
    ours = "udp.srcport == %d" % PORT
    r = subprocess.run(["tshark", "-n", "-r", capture, "-o", "tls.keylog_file:" + keylog, "-Y", ours, "-T",
                        "fields", "-e", "quic.long.packet_type", "-e", "tls.handshake.type", "-e", "_ws.malformed"],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        h.fail("tshark failed: " + r.stderr)
    text = r.stdout
    h.log("tshark, the engine's datagrams (long packet types / TLS handshake types):\n  " +
          "\n  ".join(l for l in text.splitlines() if l.strip()))
    bad = subprocess.run(["tshark", "-n", "-r", capture, "-o", "tls.keylog_file:" + keylog, "-Y",
                          "%s && (_ws.malformed || _ws.expert.severity >= \"Error\")" % ours],
                         capture_output=True, text=True, timeout=120)
    if bad.stdout.strip():
        h.fail("tshark flags the engine's packets:\n" + bad.stdout)
    # ServerHello (2) in the Initial, EncryptedExtensions (8), Certificate (11),
    # CertificateVerify (15) and Finished (20) in Handshake packets: all decrypted.
    handshake_types = set()
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) > 1:
            handshake_types.update(t for t in fields[1].split(",") if t)
    if not {"2", "8", "11", "15", "20"} <= handshake_types:
        h.fail("tshark did not decrypt the engine's whole server flight (saw TLS handshake types %s)" %
               sorted(handshake_types))


def main():
    h.lab_up()
    for tool in ("gtlsclient", "openssl", "tshark", "tcpdump"):
        if shutil.which(tool) is None:
            h.log("SKIP: %s is not installed (gtlsclient: Debian package ngtcp2-client)" % tool)
            raise SystemExit(h.SKIP)
    d = tempfile.mkdtemp(prefix="slip-quic-")
    try:
        cert, key = make_cert(d)
        missing_certificate()
        keylog = os.path.join(d, "client.keylog")
        capture = os.path.join(d, "quic.pcap")
        with h.Engine("--quic-port", str(PORT), "--quic-cert", cert, "--quic-key", key) as engine:
            # --immediate-mode: what is still in the kernel's ring when tcpdump stops would be
            # lost, and these connections are over in milliseconds.
            dump = subprocess.Popen(["ip", "netns", "exec", h.NS, "tcpdump", "-q", "-i", "veth1", "-s", "0", "-U",
                                     "--immediate-mode", "-w", capture, "udp port %d" % PORT],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
            probes()
            gtlsclient("10.0.0.2", "10.0.0.2", keylog)
            gtlsclient("fd00::2", "[fd00::2]", keylog)
            time.sleep(0.5)
            dump.terminate()
            dump.wait(timeout=10)
            stats = engine.stop()
        q = stats["total"]["quic"]
        h.log("engine quic counters: " + ", ".join("%s=%d" % kv for kv in q.items() if kv[1]))
        expect = {"accepted": 2, "confirmed_total": 2, "dropped_small_initial": 1, "version_negotiations": 1}
        for name, least in expect.items():
            if q[name] < least:
                h.fail("quic.%s = %d, expected at least %d" % (name, q[name], least))
        if q["refused_full"] or q["tx_no_buffer"]:
            h.fail("the endpoint refused connections or ran out of buffers")
        decode(capture, keylog)
        bad_qlog_dir(cert, key)
        qlog_dir = os.path.join(d, "qlog")
        os.mkdir(qlog_dir)
        with h.Engine("--quic-port", str(PORT), "--quic-cert", cert, "--quic-key", key,
                      "--quic-retry", "always", "--qlog-dir", qlog_dir) as engine:
            gtlsclient("10.0.0.2", "10.0.0.2", keylog, retry=True)
            stats = engine.stop()
        check_qlogs(qlog_dir, 1)
        q = stats["total"]["quic"]
        h.log("with Retry: " + ", ".join("%s=%d" % kv for kv in q.items() if kv[1]))
        if q["retries"] < 1 or q["tokens_valid"] < 1 or q["confirmed_total"] < 1 or q["tokens_invalid"]:
            h.fail("expected a Retry, a valid token and a confirmed connection")
        h.log("PASS")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
