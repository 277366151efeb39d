"""A stand-in for a worker's REST API, for the status page's fast test
(ui_e2e.sh with UI_MOCK=1): the few Kafka Connect endpoints the page
calls, with their shapes, and GET /metrics with counters that grow.

    ui_mock_server.py PAGE PORT_FILE SOURCE_NAME...
    ui_mock_server.py PAGE PORT_FILE --upstream URL

Serves PAGE at /ui, one file-source connector (one task) per SOURCE_NAME,
and "mock-sink", a sink with a running and a failed task. With --upstream
it serves PAGE at /ui and passes every other request to the worker at URL
(a real Kafka Connect, which has no /ui): the page then runs against the
real API. Writes its port to PORT_FILE once it listens on 127.0.0.1.
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urlsplit
from urllib.request import Request, urlopen

WORKER = "127.0.0.1:8083"
TRACE = ("org.apache.kafka.connect.errors.ConnectException: file-sink: "
         "cannot open /data/out.txt: Permission denied\n"
         "\tat sink_task.c:put\n\tat worker.c:run_task")
LOCK = threading.Lock()
START = time.monotonic()
CONNECTORS = {}


def add(name, kind, cls, tasks):
    CONNECTORS[name] = {"type": kind, "class": cls, "state": "RUNNING", "tasks": tasks}


def status(name):
    c = CONNECTORS[name]
    tasks = []
    for i, t in enumerate(c["tasks"] if c["state"] != "STOPPED" else []):
        state = t if c["state"] == "RUNNING" or t == "FAILED" else c["state"]
        task = {"id": i, "state": state, "worker_id": WORKER}
        if state == "FAILED":
            task["trace"] = TRACE
        tasks.append(task)
    return {"name": name, "connector": {"state": c["state"], "worker_id": WORKER},
            "tasks": tasks, "type": c["type"]}


def info(name):
    c = CONNECTORS[name]
    return {"name": name, "type": c["type"],
            "config": {"name": name, "connector.class": c["class"],
                       "tasks.max": str(len(c["tasks"]))},
            "tasks": [{"connector": name, "task": i} for i in range(len(c["tasks"]))]}


def label(v):
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def metrics():
    """Counters that grow by 100 records/s per running task; lag 42."""
    elapsed = time.monotonic() - START
    out = []
    for name, c in CONNECTORS.items():
        for i, t in enumerate(c["tasks"]):
            labels = '{connector="%s",task="%d"}' % (label(name), i)
            n = int(elapsed * 100) if t == "RUNNING" else 0
            if c["type"] == "source":
                out.append("kafka_connect_source_task_metrics_source_record_write_total%s %d"
                           % (labels, n))
            else:
                out.append("kafka_connect_sink_task_metrics_sink_record_send_total%s %d"
                           % (labels, n))
                out.append("kafka_connect_sink_task_metrics_sink_record_lag_max%s 42" % labels)
    return "\n".join(out) + "\n"


class Handler(BaseHTTPRequestHandler):
    page = b""
    upstream = None

    def log_message(self, fmt, *args):
        sys.stderr.write("mock: %s\n" % (fmt % args))

    def send(self, code, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, code, message):
        self.send(code, {"error_code": code, "message": message})

    def proxy(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        req = Request(self.upstream + self.path, data=body, method=method)
        if self.headers.get("Content-Type"):
            req.add_header("Content-Type", self.headers["Content-Type"])
        try:
            with urlopen(req, timeout=30) as r:
                code, ctype, data = r.status, r.headers.get("Content-Type"), r.read()
        except HTTPError as e:
            code, ctype, data = e.code, e.headers.get("Content-Type"), e.read()
        except URLError as e:
            return self.error(502, "upstream %s: %s" % (self.upstream, e.reason))
        self.send(code, data, ctype or "application/octet-stream")

    def route(self, method):
        if self.upstream and urlsplit(self.path).path != "/ui":
            return self.proxy(method)
        u = urlsplit(self.path)
        parts = [unquote(p) for p in u.path.split("/")[1:]]
        with LOCK:
            if method == "GET" and parts == ["ui"]:
                return self.send(200, self.page, "text/html; charset=utf-8")
            if method == "GET" and parts == [""]:
                return self.send(200, {"version": "mock", "commit": "mock",
                                       "kafka_cluster_id": "mock-cluster"})
            if method == "GET" and parts == ["metrics"]:
                return self.send(200, metrics(), "text/plain; version=0.0.4")
            if method == "GET" and parts == ["connectors"]:
                return self.send(200, {n: {"status": status(n), "info": info(n)}
                                       for n in CONNECTORS})
            if len(parts) < 2 or parts[0] != "connectors":
                return self.error(404, "Not found: %s" % u.path)
            name = parts[1]
            if name not in CONNECTORS:
                return self.error(404, "Connector %s not found" % name)
            return self.connector(method, name, parts[2:])

    def connector(self, method, name, rest):
        c = CONNECTORS[name]
        if method == "GET" and rest == ["status"]:
            return self.send(200, status(name))
        if method == "PUT" and rest in (["pause"], ["resume"], ["stop"]):
            c["state"] = {"pause": "PAUSED", "resume": "RUNNING", "stop": "STOPPED"}[rest[0]]
            return self.send(202 if rest[0] != "stop" else 204, b"")
        if method == "POST" and rest == ["restart"]:
            if name == "mock-sink":
                return self.error(409, "Cannot complete request because of a conflicting "
                                  "operation (e.g. worker rebalance)")
            c["state"] = "RUNNING"
            return self.send(202, status(name))
        return self.error(405, "HTTP method %s is not supported for this path" % method)

    def do_GET(self):
        self.route("GET")

    def do_PUT(self):
        self.route("PUT")

    def do_POST(self):
        self.route("POST")


def main():
    page, port_file = sys.argv[1], sys.argv[2]
    with open(page, "rb") as f:
        Handler.page = f.read()
    if sys.argv[3:4] == ["--upstream"]:
        Handler.upstream = sys.argv[4].rstrip("/")
    else:
        for n in sys.argv[3:]:
            add(n, "source", "FileStreamSource", ["RUNNING"])
        add("mock-sink", "sink", "FileStreamSink", ["RUNNING", "FAILED"])
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(port_file + ".tmp", port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
