#!/usr/bin/env python3
"""A small paginated JSON API for the http-source e2e tests (standard
library only).

GET /items?since=S&cursor=C&limit=L
    Items {"id": n, "name": "item-00000n", "pad": ...} with ids 1..--items.
    Without a cursor: the items with id > S (a new listing); with one: the
    items after the cursor's position (the cursor wins). Body
    {"items": [...], "next": "<cursor>" | null}; the cursor is opaque text
    ("pos:500").
GET /big
    One page of about --big-bytes of items (no next page).

Faults, all deterministic: --fail-every N answers every N-th request of
/items with 500; --busy-every N answers every N-th with 503 and
Retry-After: --retry-after; --stall-every N answers every N-th with 503
only after --stall seconds (past a client's timeout); --reset-every N
resets the connection of every N-th (RST, no answer); --bad-cursor X
answers the page of cursor X badly the first --bad-times times (first a
body that is not UTF-8, then one that is not JSON). --delay-ms slows every
page. --items-per-second R makes the listing grow at a steady rate: R
items a second since the start, up to --items (scripts/soak.sh).

Every request is logged to --log as "<unix time> <status> <path>" (one
line, flushed; status 0 for a reset, -1 when a stall begins). The chosen
port (--port, else a free one) is written to --port-file. --tls-cert /
--tls-key serve HTTPS; --tls-client-ca then requires a client certificate
signed by that CA."""
import argparse
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def item(i, pad):
    return {"id": i, "name": "item-%06d" % i, "pad": pad}


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.requests = 0
        self.bad_served = 0
        self.log = open(args.log, "a", buffering=1) if args.log else None
        self.pad = "x" * args.pad
        self.started = time.monotonic()

    def available(self):
        """The newest id served now (all of --items unless it grows)."""
        a = self.args
        if not a.items_per_second:
            return a.items
        grown = int((time.monotonic() - self.started) * a.items_per_second)
        return min(a.items, grown)

    def note(self, status, path):
        if self.log:
            with self.lock:
                self.log.write("%.3f %d %s\n" % (time.time(), status, path))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, *a):
        pass

    def send(self, status, body, headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.state.note(status, self.path)

    def fault(self):
        """A scripted fault for this request, or None."""
        st, a = self.state, self.state.args
        with st.lock:
            st.requests += 1
            n = st.requests
        if a.busy_every and n % a.busy_every == 0:
            return 503, '{"error":"busy"}', [("Retry-After", str(a.retry_after))]
        if a.fail_every and n % a.fail_every == 0:
            return 500, '{"error":"internal"}', []
        if a.reset_every and n % a.reset_every == 0:
            return "reset", None, None
        if a.stall_every and n % a.stall_every == 0:
            st.note(-1, self.path)  # stalled: its answer may find no client
            time.sleep(a.stall)
            return 503, '{"error":"late"}', []
        return None

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        a = self.state.args
        if u.path == "/big":
            return self.big()
        if u.path != "/items":
            return self.send(404, '{"error":"no such path: %s"}' % u.path)
        f = self.fault()
        if f and f[0] == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return self.state.note(0, self.path)
        if f:
            return self.send(*f)
        cursor = q.get("cursor", [None])[0]
        if cursor is not None and cursor == a.bad_cursor:
            with self.state.lock:
                self.state.bad_served += 1
                k = self.state.bad_served
            if k <= a.bad_times:
                body = b'{"items":[{"id":1,"name":"caf\xe9"}]}' if k % 2 else '{"items":[{"id":'
                return self.send(200, body)
        if cursor is not None:
            if not cursor.startswith("pos:"):
                return self.send(400, '{"error":"bad cursor %s"}' % cursor)
            first = int(cursor[4:]) + 1
        else:
            first = int(q.get("since", ["0"])[0]) + 1
        limit = int(q.get("limit", [str(a.page_size)])[0])
        top = self.state.available()
        last = min(first + limit - 1, top)
        items = [item(i, self.state.pad) for i in range(first, last + 1)]
        nxt = "pos:%d" % last if last < top else None
        if a.delay_ms:
            time.sleep(a.delay_ms / 1000.0)
        self.send(200, json.dumps({"items": items, "next": nxt}, separators=(",", ":")))

    def big(self):
        pad = "y" * 480
        n = max(1, self.state.args.big_bytes // 512)
        body = json.dumps({"items": [item(i, pad) for i in range(1, n + 1)], "next": None})
        self.send(200, body)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--items", type=int, default=50000)
    p.add_argument("--page-size", type=int, default=500)
    p.add_argument("--pad", type=int, default=0, help="bytes of padding per item")
    p.add_argument("--delay-ms", type=int, default=0)
    p.add_argument("--items-per-second", type=float, default=0)
    p.add_argument("--fail-every", type=int, default=0)
    p.add_argument("--busy-every", type=int, default=0)
    p.add_argument("--retry-after", type=int, default=1)
    p.add_argument("--stall-every", type=int, default=0)
    p.add_argument("--stall", type=float, default=3.0)
    p.add_argument("--reset-every", type=int, default=0)
    p.add_argument("--bad-cursor")
    p.add_argument("--bad-times", type=int, default=0)
    p.add_argument("--big-bytes", type=int, default=10 * 1024 * 1024)
    p.add_argument("--log")
    p.add_argument("--port-file", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--tls-client-ca")
    args = p.parse_args()
    Handler.state = State(args)
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(args.tls_client_ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
