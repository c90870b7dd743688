#!/usr/bin/python3
"""UDP echo client for integration tests: sends seeded random datagrams and checks the echoes.

Runs inside the lab namespace:
  ip netns exec peer /usr/bin/python3 tests/integration/udp_echo_client.py --host 10.0.0.2 --port 7
  ip netns exec peer ... --host fd00::2 --count 10000 --seed 7 --expect-loss 0.10 --tolerance 0.03

Each datagram has a random size in [--min-size, --max-size] and random contents; datagrams of 8
bytes or more start with their 64-bit sequence number, shorter ones are unique byte strings. At
most --window requests are outstanding; a request with no echo after --timeout seconds counts as
lost and frees its window slot (a later echo still counts, as "late"). Every echo must be
byte-identical to its request.

Without --expect-loss: exit 0 only if every datagram came back byte-identical.
With --expect-loss F: exit 0 if nothing came back altered or duplicated and the observed loss is
within --tolerance (absolute, as a fraction) of F.
Exit 1 on failure, 2 on usage or socket errors. The run never exceeds --hard-limit seconds.
"""
import argparse
import errno
import hashlib
import random
import selectors
import socket
import sys
import time
from collections import deque

SEQ_BYTES = 8
MAX_UDP_V4 = 65507
MAX_UDP_V6 = 65527


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                epilog="See the module docstring for details.")
    p.add_argument("--host", required=True, help="echo server address: 10.0.0.2 or fd00::2 (IPv6 when it has ':')")
    p.add_argument("--port", type=int, default=7)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--min-size", type=int, default=1)
    p.add_argument("--max-size", type=int, default=None,
                   help="default 1472 for IPv4 and 1452 for IPv6 (one unfragmented 1500-byte packet)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--window", type=int, default=64, help="max outstanding requests")
    p.add_argument("--timeout", type=float, default=0.5, help="seconds before a request counts as lost")
    p.add_argument("--expect-loss", type=float, default=None, help="expected loss fraction, e.g. 0.10")
    p.add_argument("--tolerance", type=float, default=0.03, help="allowed |observed - expected| loss")
    p.add_argument("--hard-limit", type=float, default=120.0, help="hard limit on the whole run, seconds")
    p.add_argument("--bind", default=None, help="local address to send from (default: chosen by routing)")
    p.add_argument("--verbose", "-v", action="store_true", help="print every mismatch")
    a = p.parse_args(argv)
    v6 = ":" in a.host
    if a.max_size is None:
        a.max_size = 1452 if v6 else 1472
    limit = MAX_UDP_V6 if v6 else MAX_UDP_V4
    errors = []
    if not 0 < a.port < 65536:
        errors.append("--port must be 1..65535")
    if a.count < 1:
        errors.append("--count must be >= 1")
    if not 1 <= a.min_size <= a.max_size <= limit:
        errors.append(f"need 1 <= --min-size <= --max-size <= {limit}")
    if a.window < 1:
        errors.append("--window must be >= 1")
    if a.timeout <= 0 or a.hard_limit <= 0:
        errors.append("--timeout and --hard-limit must be > 0")
    if a.expect_loss is not None and not 0 <= a.expect_loss <= 1:
        errors.append("--expect-loss must be a fraction in [0, 1]")
    if a.tolerance < 0:
        errors.append("--tolerance must be >= 0")
    if errors:
        p.error("; ".join(errors))
    a.v6 = v6
    return a


class Payloads:
    """Deterministic payloads for a seed: datagram i depends only on the seed and i."""

    def __init__(self, seed, min_size, max_size):
        self.rng = random.Random(seed)
        self.min_size, self.max_size = min_size, max_size
        self.small_used = set()   # every short payload of the run, so each maps to one seq

    def make(self, seq):
        size = self.rng.randint(self.min_size, self.max_size)
        if size >= SEQ_BYTES:
            return seq.to_bytes(SEQ_BYTES, "big") + self.rng.randbytes(size - SEQ_BYTES)
        for _ in range(64):
            data = self.rng.randbytes(size)
            if data not in self.small_used:
                self.small_used.add(data)
                return data
        # this short size is (nearly) exhausted: fall back to a sequence-numbered datagram
        return seq.to_bytes(SEQ_BYTES, "big") + self.rng.randbytes(max(0, self.min_size - SEQ_BYTES))


def digest(data):
    return hashlib.blake2b(data, digest_size=16).digest()


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def run(a):
    family = socket.AF_INET6 if a.v6 else socket.AF_INET
    try:
        addr = socket.getaddrinfo(a.host, a.port, family, socket.SOCK_DGRAM)[0][4]
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        if a.bind:
            sock.bind((a.bind, 0))
        sock.connect(addr)   # only the echo server's datagrams reach us; ICMP errors surface
        sock.setblocking(False)
    except OSError as e:
        print(f"udp_echo_client: cannot open a UDP socket to [{a.host}]:{a.port} ({e.strerror or e}); "
              f"check the address and that this runs in the lab namespace (ip netns exec peer ...)", file=sys.stderr)
        return 2

    payloads = Payloads(a.seed, a.min_size, a.max_size)
    outstanding = {}        # seq -> (payload, send time)
    by_small = {}           # short payload bytes -> seq (whole run)
    expired = {}            # seq -> (len, digest) of requests already counted as lost
    order = deque()         # (send time, seq) in send order, for expiry
    received = set()
    sent = mismatched = duplicates = late = unknown = icmp_errors = bytes_sent = 0
    mismatch_notes = []
    hard_stop = no_server = False
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    start = time.monotonic()
    deadline = start + a.hard_limit
    next_seq = 0
    last_send = start
    pending = None          # payload whose send hit EAGAIN

    def note(msg):
        if a.verbose or len(mismatch_notes) < 10:
            mismatch_notes.append(msg)

    def on_reply(data):
        nonlocal mismatched, duplicates, late, unknown
        seq = by_small.get(data) if len(data) < SEQ_BYTES else int.from_bytes(data[:SEQ_BYTES], "big")
        if seq is None or seq >= next_seq:
            unknown += 1
            note(f"unmatched reply of {len(data)} bytes (starts {data[:16].hex()})")
            return
        if seq in received:
            duplicates += 1
            return
        if seq in outstanding:
            want = outstanding[seq][0]
            if data == want:
                del outstanding[seq]
                received.add(seq)
            else:
                mismatched += 1
                del outstanding[seq]
                note(f"seq {seq}: sent {len(want)} bytes, got {len(data)}, first difference at byte {first_diff(want, data)}")
            return
        if seq in expired:
            ln, dg = expired[seq]
            if len(data) == ln and digest(data) == dg:
                del expired[seq]
                received.add(seq)
                late += 1
            else:
                mismatched += 1
                del expired[seq]
                note(f"seq {seq} (late): sent {ln} bytes, got {len(data)}, contents differ")
            return
        # the seq was already settled as a mismatch
        duplicates += 1

    def drain():
        nonlocal icmp_errors
        while True:
            try:
                data = sock.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionRefusedError:
                icmp_errors += 1
                continue
            on_reply(data)

    while next_seq < a.count or outstanding or pending is not None:
        now = time.monotonic()
        if now >= deadline:
            hard_stop = True
            break
        if icmp_errors >= 100 and not received:
            no_server = True
            break
        # expire requests that waited longer than the timeout
        while order and order[0][0] + a.timeout <= now:
            _, seq = order.popleft()
            if seq in outstanding:
                data = outstanding.pop(seq)[0]
                expired[seq] = (len(data), digest(data))
        # fill the window
        while len(outstanding) < a.window and (pending is not None or next_seq < a.count):
            if pending is None:
                pending = payloads.make(next_seq)
            try:
                sock.send(pending)
            except (BlockingIOError, InterruptedError):
                break
            except ConnectionRefusedError:
                icmp_errors += 1   # an earlier datagram drew ICMP unreachable; this one was not sent
                continue
            except OSError as e:
                if e.errno == errno.ENOBUFS:
                    break
                print(f"udp_echo_client: send of {len(pending)} bytes to [{a.host}]:{a.port} failed "
                      f"({e.strerror}); check the route and --max-size against the MTU", file=sys.stderr)
                return 2
            t = last_send = time.monotonic()
            if len(pending) < SEQ_BYTES:
                by_small[pending] = next_seq
            outstanding[next_seq] = (pending, t)
            order.append((t, next_seq))
            bytes_sent += len(pending)
            sent += 1
            next_seq += 1
            pending = None
        drain()
        # forget expiry entries of requests already answered
        while order and order[0][1] not in outstanding:
            order.popleft()
        room = len(outstanding) < a.window and (pending is not None or next_seq < a.count)
        if room:
            # the window has room: send at once, or back off briefly if the send buffer was full
            wait = 0.001 if pending is not None else 0.0
        elif order:
            # wait for echoes, at most until the oldest outstanding request expires
            wait = max(0.0, order[0][0] + a.timeout - time.monotonic())
        else:
            wait = 0.001
        wait = min(wait, max(0.0, deadline - time.monotonic()))
        if sel.select(wait):
            drain()
    # stragglers: echoes of requests already counted as lost may still come until timeout after the last send
    if expired and not hard_stop and not no_server:
        until = min(last_send + a.timeout, deadline)
        while expired and time.monotonic() < until:
            if sel.select(max(0.0, until - time.monotonic())):
                drain()
    drain()
    elapsed = time.monotonic() - start
    sock.close()

    got = len(received)
    missing = sent - got - mismatched
    rate = sent / elapsed if elapsed > 0 else 0.0
    fam = "IPv6" if a.v6 else "IPv4"
    for m in mismatch_notes:
        print(f"  {m}")
    print(f"{fam} [{a.host}]:{a.port} seed {a.seed}: sent {sent} ({bytes_sent} bytes, sizes {a.min_size}..{a.max_size}), "
          f"received {got}, mismatched {mismatched}, missing {missing}, late {late}, duplicates {duplicates}, "
          f"unmatched {unknown}, icmp errors {icmp_errors}; {elapsed:.2f} s, {rate:.0f} datagrams/s")

    problems = []
    if hard_stop:
        problems.append(f"hit the hard limit of {a.hard_limit:.0f} s with {a.count - sent} datagrams unsent "
                        f"(raise --hard-limit, or lower --count / --timeout)")
    if no_server:
        problems.append(f"stopped after {icmp_errors} ICMP port unreachable errors and no echo: "
                        f"is an echo server listening on [{a.host}]:{a.port}?")
    if mismatched or unknown:
        problems.append(f"{mismatched + unknown} echoes were not byte-identical to a request")
    if duplicates:
        problems.append(f"{duplicates} echoes arrived twice")
    if a.expect_loss is None:
        if missing and not hard_stop and not no_server:
            problems.append(f"{missing} datagrams never came back"
                            + (f" ({icmp_errors} ICMP port unreachable: is the echo server listening?)" if icmp_errors else ""))
        if got != a.count and not problems:
            problems.append(f"only {got} of {a.count} came back")
    else:
        loss = missing / sent if sent else 1.0
        print(f"sent {sent} received {got} loss {loss * 100:.2f}% "
              f"(expected {a.expect_loss * 100:.2f}% \u00b1 {a.tolerance * 100:.2f}%)")
        if abs(loss - a.expect_loss) > a.tolerance + 1e-12:
            problems.append(f"loss {loss * 100:.2f}% is outside {a.expect_loss * 100:.2f}% \u00b1 {a.tolerance * 100:.2f}%")
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    print("PASS")
    return 0


def main():
    return run(parse_args(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
