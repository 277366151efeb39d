"""The fault matrix's webhook client (tests/faults/cases.sh).

    python3 webhook_client.py PORT FAULT SEED <records

Posts {"id": "<record>"} for each line of stdin to http://127.0.0.1:PORT/hooks
on a keep-alive connection and posts a record again until the webhook
answers it 2xx (at most 120 s; then it exits non-zero and the feeder offers
the chunk again). A record is "in" once it was answered 2xx, and only then:
each record so answered is appended to the file named by $WEBHOOK_ACKED.

FAULT (none, reset, timeout or malformed) makes the client misbehave on a
share of the records (chosen by SEED; each fault's kinds of misbehaviour in
turn) before it posts them properly; each
misbehaviour is one line "fault: <what>" on stderr:

  reset      a fresh connection resets (RST) in the middle of the body, or
             right after the whole request, or closes without reading the
             answer (the record may be written: it is posted again anyway,
             a duplicate at worst)
  timeout    the body trickles in pieces 0.05-0.2 s apart and is answered, or
             stalls half-sent until the client's 0.3-1 s deadline passes and
             it hangs up, or the client waits only 1 ms for the answer;
             these run on threads of their own so that stalls overlap
  malformed  requests the webhook must refuse, each with "bad-" ids that
             must never reach Kafka: invalid JSON (400), a Content-Length
             past webhook.max.body.bytes (413), a chunked body past it
             (413), another media type (415), another path (404) or method
             (405), a broken request line or Content-Length (400), a header
             block too large, a body shorter than its Content-Length (then
             the client hangs up); an answer 2xx is logged "TAKEN: <what>"
"""
import http.client
import os
import random
import socket
import struct
import sys
import threading
import time

PORT = int(sys.argv[1])
FAULT = sys.argv[2]
RND = random.Random(int(sys.argv[3]))
PATH = "/hooks"
ACKED = None
FAILED = []  # records a thread could not post
_lock = threading.Lock()
_turn = [RND.randrange(1000)]


def say(msg):
    with _lock:
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()


def take(kinds):
    """The kinds of misbehaviour in turn, from a place chosen by SEED."""
    with _lock:
        _turn[0] += 1
        return kinds[_turn[0] % len(kinds)]


def body_of(rec):
    return ('{"id": "%s"}' % rec).encode()


def request(body, ctype="application/json", path=PATH, method="POST", extra=b""):
    head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
            "Content-Length: %d\r\n" % (method, path, ctype, len(body))).encode()
    return head + extra + b"\r\n", body


def connect(timeout=5):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def reset(s):
    """Closes with RST (SO_LINGER 0) instead of FIN."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def status_of(s):
    """The status of the answer on s (0: none, the connection failed)."""
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        return 0
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def acked(rec):
    if ACKED is not None:
        with _lock:
            ACKED.write(rec + "\n")


class Poster:
    """Posts records properly on one keep-alive connection."""

    def __init__(self):
        self.conn = None

    def post(self, rec):
        deadline = time.monotonic() + 120
        while True:
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
                self.conn.request("POST", PATH, body_of(rec),
                                  {"Content-Type": "application/json"})
                r = self.conn.getresponse()
                r.read()
                if 200 <= r.status < 300:
                    acked(rec)
                    return True
            except Exception:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
            if time.monotonic() > deadline:
                say("record %s not taken in 120 s" % rec)
                return False
            time.sleep(0.2)


# ---- reset ------------------------------------------------------------------


def reset_attempt(rec):
    head, body = request(body_of(rec))
    kind = take(("mid-body", "after-request", "no-read"))
    try:
        s = connect()
        if kind == "mid-body":
            s.sendall(head + body[:len(body) // 2])
            time.sleep(0.01)
            reset(s)
            say("fault: reset in the middle of the body")
        elif kind == "after-request":
            s.sendall(head + body)
            reset(s)
            say("fault: reset right after the request")
        else:
            s.sendall(head + body)
            s.close()
            say("fault: hung up without reading the answer")
    except OSError as e:
        say("fault: %s attempt failed to connect: %s" % (kind, e))


# ---- timeout ----------------------------------------------------------------


def timeout_attempt(rec):
    """On a thread: one slow attempt, then the record posted properly."""
    head, body = request(body_of(rec))
    kind = take(("trickle", "stall", "no-wait"))
    stall = RND.uniform(0.3, 1.0)
    try:
        s = connect()
        if kind == "trickle":
            s.sendall(head)
            cut = sorted(RND.sample(range(1, len(body)), 3))
            pieces = [body[a:b] for a, b in zip([0] + cut, cut + [len(body)])]
            for p in pieces:
                time.sleep(RND.uniform(0.05, 0.2))
                s.sendall(p)
            s.settimeout(30)
            st = status_of(s)
            s.close()
            say("fault: a body trickled in 4 pieces, answered %d" % st)
            if 200 <= st < 300:
                acked(rec)
                return
        elif kind == "stall":
            s.sendall(head + body[:len(body) // 2])
            time.sleep(stall)
            s.close()
            say("fault: a half-sent body stalled; hung up after %.1f s" % stall)
        else:
            s.sendall(head + body)
            s.settimeout(0.001)
            st = status_of(s)
            s.close()
            say("fault: waited 1 ms for the answer (got %d), hung up" % st)
    except OSError as e:
        say("fault: %s attempt failed: %s" % (kind, e))
    if not Poster().post(rec):
        FAILED.append(rec)


# ---- malformed ----------------------------------------------------------------


def malformed_attempt(rec, big):
    bad = ('{"id": "bad-%s"}' % rec).encode()
    kind = take(("json", "length", "chunked", "ctype", "path", "method", "line", "clen",
                 "header", "short"))
    if kind == "json":
        raw = b"".join(request(bad[:-2]))
    elif kind == "length":
        head, _ = request(b"")
        raw = head.replace(b"Content-Length: 0", b"Content-Length: %d" % big)
    elif kind == "chunked":
        pad = b'{"id": "bad-%s", "pad": "%s"}' % (rec.encode(), b"x" * big)
        raw = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n\r\n" % PATH).encode()
        for i in range(0, len(pad), 8192):
            piece = pad[i:i + 8192]
            raw += b"%x\r\n%s\r\n" % (len(piece), piece)
        raw += b"0\r\n\r\n"
    elif kind == "ctype":
        raw = b"".join(request(bad, ctype="application/xml"))
    elif kind == "path":
        raw = b"".join(request(bad, path="/elsewhere"))
    elif kind == "method":
        raw = b"".join(request(bad, method="PUT"))
    elif kind == "line":
        raw = b"POST /hooks HTTP/9.9 garbage\r\nContent-Length: %d\r\n\r\n%s" % (len(bad), bad)
    elif kind == "clen":
        head, body = request(bad)
        raw = head.replace(b"Content-Length: %d" % len(bad), b"Content-Length: 12x") + body
    elif kind == "header":
        raw = b"".join(request(bad, extra=b"X-Big: " + b"y" * 200000 + b"\r\n"))
    else:  # short: fewer bytes than Content-Length, then the client hangs up
        head, body = request(bad)
        raw = head.replace(b"Content-Length: %d" % len(bad),
                           b"Content-Length: %d" % (len(bad) + 50)) + body
    try:
        s = connect()
        try:
            s.sendall(raw)
        except OSError:
            pass  # the server may refuse and close before reading it all
        if kind == "short":
            time.sleep(0.05)
            s.close()
            say("fault: malformed (%s): hung up" % kind)
            return
        s.settimeout(10)
        st = status_of(s)
        s.close()
    except OSError as e:
        say("fault: malformed (%s) could not connect: %s" % (kind, e))
        return
    if 200 <= st < 300:
        say("TAKEN: malformed (%s) answered %d" % (kind, st))
    else:
        say("fault: malformed (%s) refused %s" % (kind, st or "by closing"))


def main():
    global ACKED
    if os.environ.get("WEBHOOK_ACKED"):
        ACKED = open(os.environ["WEBHOOK_ACKED"], "a", buffering=1)
    big = int(os.environ.get("WEBHOOK_BIG", "100000"))
    rate = float(os.environ.get("WEBHOOK_FAULT_RATE", "0.05"))
    poster = Poster()
    threads = []
    for line in sys.stdin:
        rec = line.strip()
        if not rec:
            continue
        hit = FAULT != "none" and RND.random() < rate
        if hit and FAULT == "timeout":
            t = threading.Thread(target=timeout_attempt, args=(rec,))
            t.start()
            threads.append(t)
            continue
        if hit and FAULT == "reset":
            reset_attempt(rec)
        elif hit and FAULT == "malformed":
            malformed_attempt(rec, big)
        if not poster.post(rec):
            sys.exit(1)
    for t in threads:
        t.join()
    if FAILED:
        sys.exit(1)


main()
