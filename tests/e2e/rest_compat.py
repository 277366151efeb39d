#!/usr/bin/env python3
"""Replays one scripted sequence of Kafka Connect REST calls and compares
the answers of two servers (python3 standard library only).

  rest_compat.py record URL DIR OUT.json
      runs the sequence against the REST server at URL: connectors named
      after DIR's last component (a run id that the transcript replaces by
      <run>), input and output files in DIR; writes the transcript of every
      call (status, the shape of its body, the raw body) to OUT.json.
      Exit status 0 even when calls fail: the transcript says how.
  rest_compat.py expect A.json
      prints one line per call whose status is not the one the sequence
      expects from Kafka Connect (holds the script to the real thing);
      exit status 1 when there is one.
  rest_compat.py compare A.json B.json KNOWN.txt [NAME_A NAME_B]
      compares the two transcripts call by call: one "PASS: id ..." or
      "FAIL: id ..." line per call, the differences indented below it. A
      difference listed in KNOWN.txt (one "id reason" a line; * in an id
      matches any text) does not fail its call.

A shape keeps what a client relies on: status codes, keys (recursively),
value types, and the values that must match (states, names, config maps,
error codes); what legitimately differs (worker ids, versions, commit ids,
cluster ids, traces, message texts, plugin lists) is masked to its type.
"""

import fnmatch
import json
import os
import sys
import time
import urllib.error
import urllib.request

SOURCE_CLASS = "org.apache.kafka.connect.file.FileStreamSourceConnector"
SINK_CLASS = "org.apache.kafka.connect.file.FileStreamSinkConnector"
LINES = 50
FILE_ALIASES = {"FileStreamSource", "FileStreamSourceConnector", "FileStreamSink",
                "FileStreamSinkConnector"}

# Keys whose values differ between two correct servers: masked to a type.
MASKED_KEYS = {
    "worker_id", "version", "commit", "kafka_cluster_id", "trace",
    "message", "documentation", "last_modified",
}

# The settings whose validation entries are compared in full; the others
# only by name (Kafka Connect's list of common settings is long).
CORE_SETTINGS = {
    "name", "connector.class", "tasks.max", "key.converter",
    "value.converter", "header.converter", "transforms", "predicates",
    "errors.tolerance", "file", "topic", "topics", "batch.size",
}


def type_token(v):
    if v is None:
        return "<null>"
    if isinstance(v, bool):
        return "<boolean>"
    if isinstance(v, (int, float)):
        return "<number>"
    if isinstance(v, str):
        return "<string>"
    if isinstance(v, list):
        return "<array>"
    return "<object>"


def scrub(v, subst):
    """Replaces run-specific strings (the run dir, the run id) in every
    string and key, so two runs in different dirs compare equal."""
    if isinstance(v, str):
        for old, new in subst:
            v = v.replace(old, new)
        return v
    if isinstance(v, list):
        return [scrub(x, subst) for x in v]
    if isinstance(v, dict):
        return {scrub(k, subst): scrub(x, subst) for k, x in v.items()}
    return v


def mask(v):
    """Masks the values of MASKED_KEYS to their type, at any depth."""
    if isinstance(v, list):
        return [mask(x) for x in v]
    if isinstance(v, dict):
        return {k: type_token(x) if k in MASKED_KEYS else mask(x)
                for k, x in v.items()}
    return v


# Views: what of a body is compared, for bodies with long or
# implementation-specific lists. Each takes the scrubbed body and the
# request path.

def view_sorted(body, path):
    return sorted(body) if isinstance(body, list) else body


def view_plugins(body, path):
    """Plugin lists differ by implementation: the keys of an entry, the
    plugin types present, the FileStream connectors in full, and whether
    their short aliases are listed as plugins of their own (Kafka Connect
    lists each class once)."""
    if not isinstance(body, list):
        return body
    entries = [p for p in body if isinstance(p, dict)]
    keys = sorted({k for p in entries for k in p})
    types = sorted({p.get("type") for p in entries})
    file_ = {p["class"]: p for p in entries if p.get("class") in (SOURCE_CLASS, SINK_CLASS)}
    aliases = sorted(p.get("class") for p in entries if p.get("class") in FILE_ALIASES)
    return {"entry_keys": keys, "types": types, "file_connectors": file_,
            "aliases_listed": aliases}


def view_configdefs(body, path):
    if not isinstance(body, list):
        return body
    defs = {d.get("name"): d for d in body if isinstance(d, dict)}
    return {"names": sorted(defs),
            "defs": {n: d for n, d in defs.items() if n in CORE_SETTINGS}}


def view_validate(body, path):
    if not isinstance(body, dict) or "configs" not in body:
        return body
    out = {k: v for k, v in body.items() if k != "configs"}
    names, core = [], {}
    for c in body["configs"]:
        name = c.get("definition", {}).get("name") or c.get("value", {}).get("name")
        names.append(name)
        if name in CORE_SETTINGS:
            entry = json.loads(json.dumps(c))
            val = entry.get("value", {})
            # The converter lists name the plugins installed.
            if "recommended_values" in val:
                val["recommended_values"] = type_token(val["recommended_values"])
            if isinstance(val.get("errors"), list):
                val["errors"] = "%d error(s)" % len(val["errors"])
            core[name] = entry
    out["config_names"] = sorted(names)
    out["configs"] = core
    return out


def view_loggers(body, path):
    """Logger names are the implementation's: the keys of an entry and the
    entries set since start (last_modified not null)."""
    if not isinstance(body, dict):
        return body
    keys = sorted({k for v in body.values() if isinstance(v, dict) for k in v})
    modified = {n: v for n, v in body.items()
                if isinstance(v, dict) and v.get("last_modified") is not None}
    return {"entry_keys": keys, "modified": modified}


def view_status(body, path):
    if isinstance(body, dict) and isinstance(body.get("tasks"), list):
        body = dict(body)
        body["tasks"] = sorted(body["tasks"], key=lambda t: json.dumps(t, sort_keys=True))
    return body


def view_expand(body, path):
    if not isinstance(body, dict):
        return body
    return {n: {k: view_status(v, path) if k == "status" else v for k, v in e.items()}
            if isinstance(e, dict) else e for n, e in body.items()}


def view_loggerset(body, path):
    """PUT /admin/loggers/NAME answers the loggers it changed: their names
    are the implementation's, but NAME itself must be among them."""
    if not isinstance(body, list):
        return body
    name = path.rsplit("/", 1)[-1]
    return {"names": type_token(body), "includes_" + name: name in body}


VIEWS = {
    "loggerset": view_loggerset,
    "sorted": view_sorted, "plugins": view_plugins,
    "configdefs": view_configdefs, "validate": view_validate,
    "loggers": view_loggers, "status": view_status, "expand": view_expand,
}


class Client:
    # After this many calls in a row without an answer the server is taken
    # for dead: the rest of the sequence is recorded unsent, quickly.
    MAX_SILENT = 3

    def __init__(self, base):
        self.base = base.rstrip("/")
        self.silent = 0
        self.content_type = None  # the media type of the last answer

    def call(self, method, path, body=None, raw=None, ctype="application/json"):
        """Returns (status, text, parsed JSON or None); status 0 when the
        server did not answer."""
        self.content_type = None
        if self.silent >= self.MAX_SILENT:
            return 0, "not sent: the server stopped answering", None
        status, text, parsed = self.send(method, path, body, raw, ctype)
        self.silent = self.silent + 1 if status == 0 else 0
        return status, text, parsed

    def send(self, method, path, body, raw, ctype):
        data = raw.encode() if raw is not None else (
            json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", ctype)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status, text = r.status, r.read().decode("utf-8", "replace")
                ctype = r.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode("utf-8", "replace")
            ctype = e.headers.get("Content-Type")
        except (urllib.error.URLError, OSError) as e:
            return 0, "no answer: %s" % e, None
        # Parameters (charset) are left out; a body-less answer has no type.
        if ctype and text:
            self.content_type = ctype.split(";")[0].strip().lower()
        try:
            parsed = json.loads(text) if text.strip() else None
        except ValueError:
            parsed = "<not JSON>"
        return status, text, parsed


class Recorder:
    def __init__(self, url, run_dir):
        self.client = Client(url)
        self.dir = os.path.abspath(run_dir)
        self.run = os.path.basename(self.dir)
        self.subst = [(self.dir, "<dir>"), (self.run, "<run>")]
        self.calls = []

    def call(self, cid, method, path, body=None, raw=None, view=None,
             expect=None, until=None, timeout=10.0, ctype="application/json"):
        """One recorded call. With until (a predicate over the parsed
        body), the call is repeated every 0.2 s until it holds or timeout
        passes, and the last answer is recorded."""
        deadline = time.monotonic() + timeout
        polls = 0
        while True:
            status, text, parsed = self.client.call(method, path, body, raw, ctype)
            polls += 1
            if until is None or status == 0 or (status == 200 and until(parsed)) \
                    or time.monotonic() >= deadline:
                break
            time.sleep(0.2)
        shape = scrub(parsed, self.subst)
        if view is not None and status // 100 == 2:
            shape = VIEWS[view](shape, path)
        shape = mask(shape)
        entry = {
            "id": cid, "method": method, "path": scrub(path, self.subst),
            "status": status, "expect": expect, "shape": shape,
            "content_type": self.client.content_type,
            "body": scrub(text, self.subst)[:2000],
        }
        if until is not None:
            entry["condition_met"] = status == 200 and bool(until(parsed))
            entry["polls"] = polls
        self.calls.append(entry)
        return parsed

    def check(self, cid, ok, detail):
        """A recorded fact that is not an HTTP answer (the data went
        through); compared like a call."""
        self.calls.append({"id": cid, "method": "CHECK", "path": detail,
                           "status": 200 if ok else 0, "expect": 200,
                           "shape": ok, "body": ""})


def state_is(*states):
    """Status predicate: the connector and every task (at least one unless
    STOPPED) are in one of states."""
    def pred(s):
        if not isinstance(s, dict):
            return False
        conn = s.get("connector", {}).get("state")
        tasks = s.get("tasks", [])
        if conn not in states:
            return False
        if conn == "STOPPED":
            return tasks == []
        return len(tasks) > 0 and all(t.get("state") in states for t in tasks)
    return pred


def file_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except OSError:
        return []


def wait_file(path, want, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if file_lines(path) == want:
            return True
        time.sleep(0.2)
    return False


def offsets_have(expected):
    def pred(body):
        return isinstance(body, dict) and body.get("offsets") == expected
    return pred


def sequence(r):
    """The scripted sequence; read top to bottom, it is a tour of the API."""
    run, d = r.run, r.dir
    src, snk, tmp = "src-" + run, "snk-" + run, "tmp-" + run
    stopped = "stopped-" + run
    topic = "compat-" + run
    infile, outfile = os.path.join(d, "in.txt"), os.path.join(d, "out.txt")
    lines = ["line-%04d" % i for i in range(1, LINES + 1)]
    with open(infile, "w") as f:
        f.write("\n".join(lines) + "\n")
    src_conf = {"connector.class": SOURCE_CLASS, "tasks.max": "1",
                "file": infile, "topic": topic}
    snk_conf = {"connector.class": SINK_CLASS, "tasks.max": "1",
                "file": outfile, "topics": topic}
    C = "/connectors/"

    # The worker and its plugins.
    r.call("root", "GET", "/", expect=200)
    r.call("health", "GET", "/health", expect=200)
    r.call("connectors-empty", "GET", "/connectors", expect=200)
    r.call("plugins", "GET", "/connector-plugins", view="plugins", expect=200)
    r.call("plugins-connectors-only", "GET", "/connector-plugins?connectorsOnly=true",
           view="plugins", expect=200)
    r.call("plugins-all", "GET", "/connector-plugins?connectorsOnly=false",
           view="plugins", expect=200)
    r.call("plugin-config-alias", "GET", "/connector-plugins/FileStreamSource/config",
           view="configdefs", expect=200)
    r.call("plugin-config-class", "GET", "/connector-plugins/%s/config" % SINK_CLASS,
           view="configdefs", expect=200)
    r.call("plugin-config-unknown", "GET", "/connector-plugins/NoSuchConnector/config",
           expect=404)

    # Validation.
    vpath = "/connector-plugins/FileStreamSource/config/validate"
    r.call("validate-good", "PUT", vpath, dict(src_conf, name="v"),
           view="validate", expect=200)
    r.call("validate-bad", "PUT", vpath,
           {"connector.class": "FileStreamSource", "name": "v", "batch.size": "abc"},
           view="validate", expect=200)
    r.call("validate-mismatch", "PUT", vpath,
           {"connector.class": "FileStreamSink", "name": "v"}, expect=400)
    r.call("validate-no-class", "PUT", vpath, {"name": "v"}, expect=500)

    # Create, duplicate, read.
    r.call("create-source", "POST", "/connectors", {"name": src, "config": src_conf},
           expect=201)
    r.call("create-sink", "POST", "/connectors", {"name": snk, "config": snk_conf},
           expect=201)
    r.call("create-stopped", "POST", "/connectors",
           {"name": stopped, "config": dict(src_conf, topic=topic + "-stopped"),
            "initial_state": "STOPPED"}, expect=201)
    r.call("created-stopped", "GET", C + stopped + "/status", view="status",
           until=state_is("STOPPED"), expect=200)
    r.call("create-duplicate", "POST", "/connectors", {"name": src, "config": src_conf},
           expect=409)
    r.call("source-running", "GET", C + src + "/status", view="status",
           until=state_is("RUNNING"), expect=200)
    r.call("sink-running", "GET", C + snk + "/status", view="status",
           until=state_is("RUNNING"), expect=200)
    r.check("data-through", wait_file(outfile, lines),
            "the sink wrote the source's %d lines" % LINES)
    r.call("list", "GET", "/connectors", view="sorted", expect=200)
    r.call("list-trailing-slash", "GET", "/connectors/", view="sorted", expect=200)
    r.call("list-expand-unknown", "GET", "/connectors?expand=nothing", expect=200)
    r.call("list-expand-status", "GET", "/connectors?expand=status",
           view="expand", expect=200)
    r.call("list-expand-info", "GET", "/connectors?expand=info", view="expand",
           expect=200)
    r.call("list-expand-both", "GET", "/connectors?expand=status&expand=info",
           view="expand", expect=200)
    r.call("get", "GET", C + src, expect=200)
    r.call("get-config", "GET", C + src + "/config", expect=200)
    r.call("get-status", "GET", C + src + "/status", view="status", expect=200)
    r.call("get-tasks", "GET", C + src + "/tasks", expect=200)
    r.call("task-status", "GET", C + src + "/tasks/0/status", expect=200)
    r.call("task-status-missing", "GET", C + src + "/tasks/7/status", expect=404)
    r.call("get-missing", "GET", C + "no-such-connector", expect=404)
    r.call("tasks-missing", "GET", C + "no-such-connector/tasks", expect=404)
    r.call("offsets-missing", "GET", C + "no-such-connector/offsets", expect=404)
    # Kafka Connect answers an empty topic set for a connector it does not
    # have.
    r.call("topics-missing", "GET", C + "no-such-connector/topics", expect=200)
    r.call("topics", "GET", C + src + "/topics", expect=200)
    r.call("sink-topics", "GET", C + snk + "/topics", expect=200)

    # Offsets while running: readable, not writable.
    src_offsets = [{"partition": {"filename": infile},
                    "offset": {"position": sum(len(l) + 1 for l in lines)}}]
    snk_offsets = [{"partition": {"kafka_partition": 0, "kafka_topic": topic},
                    "offset": {"kafka_offset": LINES}}]
    r.call("offsets-running", "GET", C + src + "/offsets",
           until=offsets_have(src_offsets), expect=200)
    r.call("sink-offsets-running", "GET", C + snk + "/offsets",
           until=offsets_have(snk_offsets), expect=200)
    r.call("patch-offsets-running", "PATCH", C + src + "/offsets",
           {"offsets": [{"partition": {"filename": infile}, "offset": {"position": 0}}]},
           expect=400)
    r.call("delete-offsets-running", "DELETE", C + src + "/offsets", expect=400)

    # Config changes.
    r.call("put-config", "PUT", C + src + "/config", dict(src_conf, **{"batch.size": "100"}),
           expect=200)
    r.call("put-config-create", "PUT", C + tmp + "/config",
           dict(src_conf, topic=topic + "-tmp"), expect=201)
    r.call("patch-config", "PATCH", C + src + "/config",
           {"batch.size": None, "tasks.max": "1"}, expect=200)
    r.call("config-after-patch", "GET", C + src + "/config", expect=200)
    r.call("put-config-name-mismatch", "PUT", C + src + "/config",
           dict(src_conf, name="other-name"), expect=400)
    r.call("patch-config-missing", "PATCH", C + "no-such-connector/config",
           {"tasks.max": "1"}, expect=404)
    r.call("after-update-running", "GET", C + src + "/status", view="status",
           until=state_is("RUNNING"), expect=200)

    # Pause, resume, restart.
    r.call("pause", "PUT", C + src + "/pause", expect=202)
    r.call("status-paused", "GET", C + src + "/status", view="status",
           until=state_is("PAUSED"), expect=200)
    r.call("resume", "PUT", C + src + "/resume", expect=202)
    r.call("status-resumed", "GET", C + src + "/status", view="status",
           until=state_is("RUNNING"), expect=200)
    r.call("restart", "POST", C + src + "/restart", expect=204)
    r.call("status-restarted", "GET", C + src + "/status", view="status",
           until=state_is("RUNNING"), expect=200)
    r.call("restart-include-tasks", "POST",
           C + src + "/restart?includeTasks=true&onlyFailed=false", view="status",
           expect=202)
    r.call("status-restarted-tasks", "GET", C + src + "/status", view="status",
           until=state_is("RUNNING"), expect=200)
    r.call("restart-only-failed", "POST",
           C + src + "/restart?includeTasks=true&onlyFailed=true", view="status",
           expect=202)
    r.call("restart-task", "POST", C + src + "/tasks/0/restart", expect=204)
    r.call("status-task-restarted", "GET", C + src + "/status", view="status",
           until=state_is("RUNNING"), expect=200)
    # Kafka Connect 4.1.1's standalone worker fails here with a
    # NullPointerException (500) where the distributed one answers 404.
    r.call("restart-missing", "POST", C + "no-such-connector/restart", expect=500)
    r.call("pause-missing", "PUT", C + "no-such-connector/pause", expect=404)
    r.call("resume-missing", "PUT", C + "no-such-connector/resume", expect=404)
    # 500 from Kafka Connect 4.1.1 too ("No connector configured").
    r.call("stop-missing", "PUT", C + "no-such-connector/stop", expect=500)

    # Stop, then the offsets can be altered and reset.
    r.call("stop", "PUT", C + src + "/stop", expect=204)
    r.call("status-stopped", "GET", C + src + "/status", view="status",
           until=state_is("STOPPED"), expect=200)
    r.call("tasks-stopped", "GET", C + src + "/tasks", expect=200)
    r.call("offsets-stopped", "GET", C + src + "/offsets", expect=200)
    r.call("patch-offsets", "PATCH", C + src + "/offsets",
           {"offsets": [{"partition": {"filename": infile}, "offset": {"position": 30}}]},
           expect=200)
    r.call("offsets-after-patch", "GET", C + src + "/offsets", expect=200)
    r.call("patch-offsets-empty", "PATCH", C + src + "/offsets", {"offsets": []},
           expect=400)
    r.call("patch-offsets-bad-json", "PATCH", C + src + "/offsets", raw="{offsets",
           expect=500)
    r.call("delete-offsets", "DELETE", C + src + "/offsets", expect=200)
    r.call("offsets-after-delete", "GET", C + src + "/offsets", expect=200)
    # At the end of the file again, so that the source resumed below reads
    # nothing more (records after the topics reset would race with it).
    r.call("patch-offsets-end", "PATCH", C + src + "/offsets", {"offsets": src_offsets},
           expect=200)
    r.call("stop-sink", "PUT", C + snk + "/stop", expect=204)
    r.call("sink-stopped", "GET", C + snk + "/status", view="status",
           until=state_is("STOPPED"), expect=200)
    r.call("patch-sink-offsets", "PATCH", C + snk + "/offsets",
           {"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": 0},
                         "offset": {"kafka_offset": 10}}]}, expect=200)
    r.call("sink-offsets-after-patch", "GET", C + snk + "/offsets", expect=200)
    r.call("delete-sink-offsets", "DELETE", C + snk + "/offsets", expect=200)
    r.call("sink-offsets-after-delete", "GET", C + snk + "/offsets", expect=200)
    r.call("resume-stopped", "PUT", C + src + "/resume", expect=202)
    r.call("status-resumed-from-stop", "GET", C + src + "/status", view="status",
           until=state_is("RUNNING"), expect=200)

    # Active topics.
    r.call("topics-reset", "PUT", C + src + "/topics/reset", expect=202)
    r.call("topics-after-reset", "GET", C + src + "/topics", expect=200)

    # Log levels.
    r.call("logger-root", "GET", "/admin/loggers/root", expect=200)
    r.call("logger-set", "PUT", "/admin/loggers/org.apache.kafka.connect.file",
           {"level": "DEBUG"}, view="loggerset", expect=200)
    r.call("logger-get", "GET", "/admin/loggers/org.apache.kafka.connect.file", expect=200)
    r.call("loggers", "GET", "/admin/loggers", view="loggers", expect=200)
    r.call("logger-set-bad", "PUT", "/admin/loggers/org.apache.kafka.connect.file",
           {"level": "NOPE"}, expect=404)
    r.call("logger-set-back", "PUT", "/admin/loggers/org.apache.kafka.connect.file",
           {"level": "INFO"}, view="loggerset", expect=200)
    r.call("logger-root-set", "PUT", "/admin/loggers/root", {"level": "WARN"},
           view="loggerset", expect=200)
    r.call("logger-root-after", "GET", "/admin/loggers/root", expect=200)
    r.call("logger-root-back", "PUT", "/admin/loggers/root", {"level": "INFO"},
           view="loggerset", expect=200)

    # Bad requests.
    r.call("unknown-path", "GET", "/no/such/path", expect=404)
    r.call("unknown-subpath", "GET", C + src + "/no-such", expect=404)
    r.call("method-connectors", "DELETE", "/connectors", expect=405)
    r.call("method-root", "POST", "/", expect=405)
    r.call("method-status", "PATCH", C + src + "/status", expect=405)
    r.call("create-bad-json", "POST", "/connectors", raw="{not json", expect=500)
    # What curl -d sends when not told the type.
    r.call("create-form-type", "POST", "/connectors", {"name": "form-" + run, "config": src_conf},
           ctype="application/x-www-form-urlencoded", expect=415)
    r.call("create-name-mismatch", "POST", "/connectors",
           {"name": "bad1-" + run, "config": dict(src_conf, name="other-name")}, expect=400)
    r.call("create-bad-initial-state", "POST", "/connectors",
           {"name": "bad2-" + run, "config": src_conf, "initial_state": "BOGUS"}, expect=500)
    r.call("put-config-invalid", "PUT", C + src + "/config",
           {"connector.class": "FileStreamSource", "batch.size": "abc"}, expect=400)
    r.call("create-no-name", "POST", "/connectors",
           {"config": {"connector.class": "FileStreamSource"}}, expect=400)
    r.call("create-unknown-class", "POST", "/connectors",
           {"name": "bad3-" + run, "config": {"connector.class": "com.example.NoSuchConnector"}},
           expect=400)
    r.call("create-invalid-config", "POST", "/connectors",
           {"name": "bad4-" + run, "config": {"connector.class": "FileStreamSource",
                                             "batch.size": "abc"}}, expect=400)

    # Delete.
    r.call("delete", "DELETE", C + src, expect=204)
    r.call("get-deleted", "GET", C + src, expect=404)
    r.call("status-deleted", "GET", C + src + "/status", expect=404)
    r.call("config-deleted", "GET", C + src + "/config", expect=404)
    r.call("delete-deleted", "DELETE", C + src, expect=404)
    r.call("delete-sink", "DELETE", C + snk, expect=204)
    r.call("delete-tmp", "DELETE", C + tmp, expect=204)
    r.call("delete-stopped", "DELETE", C + stopped, expect=204)
    # Not there unless create-form-type made it.
    r.call("delete-form", "DELETE", C + "form-" + run, expect=404)
    r.call("connectors-end", "GET", "/connectors", expect=200)


def cmd_record(url, run_dir, out):
    os.makedirs(run_dir, exist_ok=True)
    r = Recorder(url, run_dir)
    try:
        sequence(r)
    finally:
        with open(out, "w") as f:
            json.dump({"url": url, "calls": r.calls}, f, indent=1, sort_keys=True)
    return 0


def load(path):
    with open(path) as f:
        return json.load(f)["calls"]


def cmd_expect(path):
    bad = 0
    for c in load(path):
        if c["expect"] is not None and c["status"] != c["expect"]:
            bad += 1
            print("%s %s %s: status %s, expected %s; body %s" % (
                c["id"], c["method"], c["path"], c["status"], c["expect"], c["body"][:300]))
        if c.get("condition_met") is False:
            bad += 1
            print("%s %s %s: the awaited state never came; body %s" % (
                c["id"], c["method"], c["path"], c["body"][:300]))
    return 1 if bad else 0


def short(v):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= 160 else s[:157] + "..."


def diff(a, b, path, out):
    """Appends (path, text) for every difference between shapes a and b."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = path + "/" + k
            if k not in b:
                out.append((p, "missing (expected %s)" % short(a[k])))
            elif k not in a:
                out.append((p, "extra (%s)" % short(b[k])))
            else:
                diff(a[k], b[k], p, out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                diff(x, y, "%s/%d" % (path, i), out)
        elif all(isinstance(x, str) for x in a + b):
            miss = [x for x in a if x not in b]
            extra = [x for x in b if x not in a]
            out.append((path, "list differs: missing %s, extra %s" % (short(miss), short(extra))))
        else:
            out.append((path, "%d entries, expected %d: %s" % (len(b), len(a), short(b))))
    elif a != b:
        out.append((path, "%s, expected %s" % (short(b), short(a))))


def load_known(path):
    known = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                known.append(line.split(None, 1)[0])
    return known


def is_known(did, known):
    return any(did == k or ("*" in k and fnmatch.fnmatchcase(did, k)) for k in known)


def cmd_compare(a_path, b_path, known_path, name_a="A", name_b="B"):
    a_calls, b_calls = load(a_path), {c["id"]: c for c in load(b_path)}
    known = load_known(known_path)
    used = set()
    failed = 0
    for a in a_calls:
        cid = a["id"]
        what = "%s %s %s" % (cid, a["method"], a["path"])
        b = b_calls.get(cid)
        if b is None:
            failed += 1
            print("FAIL: %s: no answer recorded from %s" % (what, name_b))
            continue
        diffs = []
        if a["status"] != b["status"]:
            diffs.append((cid + ":status", "%s answered %s, %s %s" % (
                name_b, b["status"], name_a, a["status"])))
        elif a.get("content_type") != b.get("content_type"):
            diffs.append((cid + ":content-type", "%s answered %s, %s %s" % (
                name_b, b.get("content_type"), name_a, a.get("content_type"))))
        d = []
        diff(a["shape"], b["shape"], "", d)
        diffs += [("%s:body%s" % (cid, p), t) for p, t in d]
        bad = [x for x in diffs if not is_known(x[0], known)]
        for did, _ in diffs:
            used.update(k for k in known if is_known(did, [k]))
        if bad:
            failed += 1
            print("FAIL: %s" % what)
        elif diffs:
            print("PASS: %s (%d known difference(s))" % (what, len(diffs)))
        else:
            print("PASS: %s" % what)
        for did, text in diffs:
            print("    %s%s: %s" % ("" if (did, text) in bad else "known ", did, text))
        if bad:
            print("    %s body: %s" % (name_a, a["body"][:400]))
            print("    %s body: %s" % (name_b, b["body"][:400]))
    for k in known:
        if k not in used:
            print("note: known difference %s did not occur" % k)
    return 1 if failed else 0


def main(argv):
    if len(argv) == 4 and argv[0] == "record":
        return cmd_record(*argv[1:])
    if len(argv) == 2 and argv[0] == "expect":
        return cmd_expect(argv[1])
    if len(argv) in (4, 6) and argv[0] == "compare":
        return cmd_compare(*argv[1:])
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
