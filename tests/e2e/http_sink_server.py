#!/usr/bin/env python3
"""A fault-injecting receiver for the http-sink end-to-end test.

Accepts POST/PUT bodies of records joined by --separator and answers, per
request, by a seeded draw: 500 (--fail-rate), a late 503 after --stall
seconds (--timeout-rate; the client has given up by then), 429 with
Retry-After (--throttle-rate), 400 with a JSON error whenever the body
holds a record starting with --poison, a connection reset (RST, no
answer, nothing accepted: --reset-rate), else 200. The records of every
request answered 200 are appended to --accepted, one a line, and flushed
before the answer goes out, so a record the client saw accepted is always
in the file (a kill between the write and the answer only duplicates).
Each answer other than 200 is logged to stderr ("answered 500"), and the
counts per status at SIGTERM. Standard library only. Prints its port to
--port-file once listening.
"""
import argparse
import os
import random
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--accepted", required=True)
    ap.add_argument("--separator", default=",")
    ap.add_argument("--poison", default="poison-")
    ap.add_argument("--fail-rate", type=float, default=0.2)
    ap.add_argument("--timeout-rate", type=float, default=0.02)
    ap.add_argument("--throttle-rate", type=float, default=0.05)
    ap.add_argument("--reset-rate", type=float, default=0.0)
    ap.add_argument("--stall", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    lock = threading.Lock()
    rng = random.Random(args.seed)
    out = open(args.accepted, "a", encoding="utf-8")
    stats = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):  # quiet
            pass

        def answer(self, status, body=b"", headers=()):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n).decode("utf-8", "replace")
            records = body.split(args.separator) if body else []
            with lock:
                draw = rng.random()
            poisoned = [r for r in records if r.startswith(args.poison)]
            if draw < args.fail_rate:
                status = 500
            elif draw < args.fail_rate + args.timeout_rate:
                status = 503
                time.sleep(args.stall)
            elif draw < args.fail_rate + args.timeout_rate + args.throttle_rate:
                status = 429
            elif draw < (args.fail_rate + args.timeout_rate + args.throttle_rate
                          + args.reset_rate):
                with lock:
                    stats["reset"] = stats.get("reset", 0) + 1
                    sys.stderr.write("reset the connection\n")
                    sys.stderr.flush()
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            elif poisoned:
                status = 400
            else:
                status = 200
                with lock:
                    out.write("".join(r + "\n" for r in records))
                    out.flush()
            with lock:
                stats[status] = stats.get(status, 0) + 1
                if status != 200:
                    sys.stderr.write("answered %d\n" % status)
                    sys.stderr.flush()
            if status == 400:
                msg = '{"error":"record %s is refused"}' % poisoned[0]
                self.answer(400, msg.encode(), [("Content-Type", "application/json")])
            elif status == 429:
                self.answer(429, b"slow down", [("Retry-After", "1")])
            else:
                self.answer(status, b"ok" if status == 200 else b"try again")

        do_PUT = do_POST

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True

    def stop(*_):
        sys.stderr.write("stats %s\n" % sorted(stats.items(), key=str))
        sys.stderr.flush()
        threading.Thread(target=srv.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
