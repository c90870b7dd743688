#!/usr/bin/python3
"""WebSocket client helpers (RFC 6455) for the integration tests, run inside netns peer
against the engine's /ws/echo and /ws/broadcast (python3-websockets 10.4, asyncio API).

  ws_peer.py handshake URI            raw socket: the RFC 6455 §1.3 sample key gets its accept
                                      value and no extension; version 8 gets 426 with
                                      "Sec-WebSocket-Version: 13"; a short key gets 400
  ws_peer.py echo URI COUNT SIZE      COUNT messages of SIZE bytes, text and binary in turn,
                                      sent while the echoes are read; each one back, in order
  ws_peer.py fragments URI            a fragmented text and a fragmented binary message, and a
                                      ping with a payload: each message back whole, the pong
  ws_peer.py close URI CODE           the closing handshake with CODE: the server answers the
                                      same code and ends the TCP connection
  ws_peer.py invalid URI              raw socket: an unmasked frame is answered with a Close of
                                      1002 and the server's FIN (RFC 6455 §5.1, §7.1.7)
  ws_peer.py broadcast URI CLIENTS COUNT
                                      CLIENTS connections each send COUNT messages; every client
                                      gets all CLIENTS * COUNT, each sender's in order
  ws_peer.py slow URI SENDERS COUNT SIZE
                                      one client reads nothing while SENDERS send COUNT messages
                                      of SIZE bytes; the senders get everything, the slow client
                                      a prefix and then a Close of 1008
  ws_peer.py self-test                the modes above against a local websockets server with the
                                      same behaviour (checks this helper, not the engine)
Prints one line of results per mode; exits 1 on any mismatch.
"""
import asyncio
import base64
import hashlib
import os
import socket
import sys
import time
import urllib.parse

import websockets
from websockets.exceptions import ConnectionClosed

SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
SAMPLE_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def options(**extra):
    # No permessage-deflate offer: the engine agrees to no extension; no keepalive pings.
    return dict(compression=None, ping_interval=None, max_size=4 << 20, open_timeout=10, **extra)


def message(i, size):
    if i % 2 == 0:
        base = ("%d:" % i) + "\u00e9\u20ac" * size
        return base.encode()[:size].decode("utf-8", "ignore")
    return bytes((i * 131 + j * 7) & 0xff for j in range(size))


def raw_request(uri, version="13", key=SAMPLE_KEY):
    u = urllib.parse.urlsplit(uri)
    s = socket.create_connection((u.hostname, u.port or 80), timeout=10)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: %s\r\n"
               "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
               % (u.path or "/", u.hostname, key, version)).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return s, head.decode("latin-1"), rest


def handshake(uri, version_status="426"):
    # (websockets' own server answers a wrong version with 400: self-test passes that.)
    s, head, _ = raw_request(uri)
    s.close()
    ok = head.startswith("HTTP/1.1 101 ") and ("Sec-WebSocket-Accept: " + SAMPLE_ACCEPT) in head and \
        "Sec-WebSocket-Extensions" not in head
    s, old, _ = raw_request(uri, version="8")
    s.close()
    ok = ok and old.startswith("HTTP/1.1 %s " % version_status) and \
        (version_status != "426" or "Sec-WebSocket-Version: 13" in old)
    s, short, _ = raw_request(uri, key=SAMPLE_KEY[:-1])
    s.close()
    ok = ok and short.startswith("HTTP/1.1 400 ")
    print("handshake %s: 101 with the accept value, %s for version 8, 400 for a short key: %s"
          % (uri, version_status, "ok" if ok else "MISMATCH\n" + head + "\n" + old + "\n" + short))
    return ok


async def echo(uri, count, size):
    start = time.time()
    async with websockets.connect(uri, **options()) as ws:
        async def send_all():
            for i in range(count):
                await ws.send(message(i, size))
        sender = asyncio.ensure_future(send_all())
        bad = 0
        for i in range(count):
            if await ws.recv() != message(i, size):
                bad += 1
        await sender
    took = time.time() - start
    print("echo %s: %d messages of %d bytes back in %.2f s (%.0f messages/s), %d different"
          % (uri, count, size, took, count / took, bad))
    return bad == 0


async def fragments(uri):
    async with websockets.connect(uri, **options()) as ws:
        await ws.send(iter(["fra", "gmen", "ted \u20ac"]))
        text = await ws.recv()
        parts = [os.urandom(3000) for _ in range(10)]
        await ws.send(iter(parts))
        data = await ws.recv()
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 10)
    ok = text == "fragmented \u20ac" and data == b"".join(parts)
    print("fragments %s: text and binary back whole, pong received: %s" % (uri, "ok" if ok else "MISMATCH"))
    return ok


async def close(uri, code):
    async with websockets.connect(uri, **options()) as ws:
        await ws.close(code, "bye")
        got = ws.close_code
    ok = got == code
    print("close %s: sent %d, the server answered %s: %s" % (uri, code, got, "ok" if ok else "MISMATCH"))
    return ok


def invalid(uri):
    s, head, rest = raw_request(uri)
    s.sendall(b"\x81\x02hi")  # a text frame without the mask bit
    data = rest
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    ok = head.startswith("HTTP/1.1 101 ") and data == b"\x88\x02\x03\xea"  # Close 1002, then FIN
    print("invalid %s: unmasked frame answered with %r and FIN: %s" % (uri, data, "ok" if ok else "MISMATCH"))
    return ok


async def broadcast(uri, clients, count):
    conns = [await websockets.connect(uri, **options()) for _ in range(clients)]
    await asyncio.sleep(0.2)  # every client joined before the first message

    async def run(k, ws):
        async def send_all():
            for m in range(count):
                await ws.send("%d:%d" % (k, m))
        sender = asyncio.ensure_future(send_all())
        following = [0] * clients
        bad = 0
        for _ in range(clients * count):
            sender_k, m = map(int, (await ws.recv()).split(":"))
            bad += m != following[sender_k]
            following[sender_k] = m + 1
        await sender
        await ws.close()
        return bad

    bad = sum(await asyncio.gather(*(run(k, ws) for k, ws in enumerate(conns))))
    print("broadcast %s: %d clients got %d messages each, %d out of order"
          % (uri, clients, clients * count, bad))
    return bad == 0


async def slow(uri, senders, count, size):
    # max_queue=1 and a small read limit: the library stops reading the socket at once.
    lazy = await websockets.connect(uri, **options(max_queue=1, read_limit=4096))
    conns = [await websockets.connect(uri, **options()) for _ in range(senders)]
    await asyncio.sleep(0.2)

    async def run(k, ws):
        async def send_all():
            for m in range(count):
                await ws.send(bytes([k, m & 0xff]) + os.urandom(size - 2))
                await asyncio.sleep(0.001)
        sender = asyncio.ensure_future(send_all())
        for _ in range(senders * count):
            await ws.recv()
        await sender
        await ws.close()

    await asyncio.gather(*(run(k, ws) for k, ws in enumerate(conns)))
    got = 0
    code = None
    try:
        while True:
            await asyncio.wait_for(lazy.recv(), 10)
            got += 1
    except ConnectionClosed as e:
        code = e.rcvd.code if e.rcvd else None
    ok = code == 1008 and got < senders * count
    print("slow %s: the senders got all %d messages, the slow client %d and then close %s: %s"
          % (uri, senders * count, got, code, "ok" if ok else "MISMATCH"))
    return ok


async def local_server(port, max_queue_bytes):
    """The engine's endpoints' behaviour, for self-test: echo, and broadcast that closes a
    client with 1008 once more than max_queue_bytes wait for it."""
    members = set()

    async def serve(ws, path):
        if path == "/ws/broadcast":
            members.add(ws)
        try:
            async for m in ws:
                if path == "/ws/echo":
                    await ws.send(m)
                    continue
                for other in list(members):
                    if other.transport.get_write_buffer_size() > max_queue_bytes:
                        members.discard(other)
                        asyncio.ensure_future(other.close(1008))
                    else:
                        asyncio.ensure_future(other.send(m))
        except ConnectionClosed:
            pass
        finally:
            members.discard(ws)
    return await websockets.serve(serve, "127.0.0.1", port, compression=None, max_size=4 << 20)


async def self_test():
    server = await local_server(18765, 256 << 10)
    base = "ws://127.0.0.1:18765"
    loop = asyncio.get_running_loop()
    results = [await loop.run_in_executor(None, handshake, base + "/ws/echo", "400"),
               await loop.run_in_executor(None, invalid, base + "/ws/echo"),
               await echo(base + "/ws/echo", 200, 1000), await fragments(base + "/ws/echo"),
               await close(base + "/ws/echo", 4001), await broadcast(base + "/ws/broadcast", 5, 50),
               await slow(base + "/ws/broadcast", 3, 300, 16384)]
    server.close()
    await server.wait_closed()
    return all(results)


def main(argv):
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "handshake":
        return handshake(argv[2])
    if mode == "invalid":
        return invalid(argv[2])
    runs = {
        "echo": lambda: echo(argv[2], int(argv[3]), int(argv[4])),
        "fragments": lambda: fragments(argv[2]),
        "close": lambda: close(argv[2], int(argv[3])),
        "broadcast": lambda: broadcast(argv[2], int(argv[3]), int(argv[4])),
        "slow": lambda: slow(argv[2], int(argv[3]), int(argv[4]), int(argv[5])),
        "self-test": self_test,
    }
    if mode not in runs:
        sys.stderr.write(__doc__)
        return False
    return asyncio.run(runs[mode]())


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv) else 1)
