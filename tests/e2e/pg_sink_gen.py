#!/usr/bin/env python3
"""Test data for tests/e2e/postgres_sink_e2e.sh: Kafka records as kcat input
lines ("key<TAB>value", an empty value is a tombstone with kcat -Z) in
JsonConverter form with schemas, and the table expected after them as CSV in
PostgreSQL's input format (COPY ... CSV: an unquoted empty field is NULL).

  pg_sink_gen.py cdc TOPIC N RECORDS EXPECTED   Debezium envelopes: creates,
      updates of every 3rd id, op d + tombstone for every id % 10 == 0,
      a tombstone alone for every id % 10 == 5
  pg_sink_gen.py flat TOPIC N RECORDS EXPECTED  flat structs, one per id
  pg_sink_gen.py truncate TOPIC RECORDS         5 creates, op t, 3 creates
  pg_sink_gen.py hostile TOPIC RECORDS          hostile column names/values
  pg_sink_gen.py copytext TOPIC N RECORDS EXPECTED  flat structs whose text
      holds what COPY's text format escapes (tab, newline, CR, backslash,
      "\\N"), empty strings and NULLs; the CSV quotes every string, so an
      empty string stays one and only NULL is an unquoted empty field
"""
import base64
import csv
import datetime
import json
import sys

EPOCH = datetime.datetime(1970, 1, 1)


def field(name, type_, optional=True, logical=None, params=None):
    f = {"type": type_, "optional": optional, "field": name}
    if logical:
        f["name"] = logical
    if params:
        f["parameters"] = params
    return f


VALUE_FIELDS = [
    field("id", "int32", optional=False),
    field("name", "string"),
    field("price", "bytes", logical="org.apache.kafka.connect.data.Decimal",
          params={"scale": "2"}),
    field("created", "int64", logical="io.debezium.time.MicroTimestamp"),
    field("day", "int32", logical="io.debezium.time.Date"),
    field("active", "boolean"),
    field("data", "string", logical="io.debezium.data.Json"),
    field("uid", "string", logical="io.debezium.data.Uuid"),
    field("note", "string"),
]


def struct(name, fields, optional=False):
    return {"type": "struct", "fields": fields, "optional": optional, "name": name}


def envelope_schema(topic):
    value = struct(topic + ".Value", VALUE_FIELDS, optional=True)
    return struct(topic + ".Envelope", [
        dict(value, field="before"),
        dict(value, field="after"),
        field("op", "string", optional=False),
        field("ts_ms", "int64"),
    ])


def key_schema(topic):
    return struct(topic + ".Key", [field("id", "int32", optional=False)])


def dumps(o):
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False)


def decimal_b64(unscaled):
    n = (unscaled.bit_length() + 8) // 8
    return base64.b64encode(unscaled.to_bytes(n, "big", signed=True)).decode()


def row(i, version):
    """The payload and the expected CSV row of id i at a version."""
    unscaled = i * 137 - 50000 + version * 11  # negative prices too
    micros = 1_700_000_000_000_000 + i * 1_000_003 + version
    day = 19000 + i % 400
    data = {"i": i, "v": version, "tags": ["a", "b"]}
    uid = "%08x-0000-4000-8000-%012x" % (i, version)
    note = None if i % 7 == 0 else "note %d 'quoted' \"dq\" ; DROP TABLE x" % i
    payload = {"id": i, "name": "name-%d-v%d" % (i, version), "price": decimal_b64(unscaled),
               "created": micros, "day": day, "active": (i + version) % 2 == 0,
               "data": dumps(data), "uid": uid, "note": note}
    sign = "-" if unscaled < 0 else ""
    price = "%s%d.%02d" % (sign, abs(unscaled) // 100, abs(unscaled) % 100)
    ts = EPOCH + datetime.timedelta(microseconds=micros)
    csvrow = [i, payload["name"], price, ts.strftime("%Y-%m-%d %H:%M:%S.%f"),
              (EPOCH + datetime.timedelta(days=day)).strftime("%Y-%m-%d"),
              "t" if payload["active"] else "f", dumps(data), uid,
              "" if note is None else note]
    return payload, csvrow


def cdc(topic, n, out, expected):
    vs, ks = envelope_schema(topic), key_schema(topic)
    state = {}

    def key(i):
        return dumps({"schema": ks, "payload": {"id": i}})

    def event(op, i, before, after):
        return dumps({"schema": vs, "payload": {"before": before, "after": after, "op": op,
                                                "ts_ms": 1700000000000}})

    with open(out, "w") as f:
        for i in range(1, n + 1):
            p, r = row(i, 0)
            state[i] = r
            f.write("%s\t%s\n" % (key(i), event("r" if i % 2 else "c", i, None, p)))
        for i in range(1, n + 1, 3):
            old, _ = row(i, 0)
            p, r = row(i, 1)
            state[i] = r
            f.write("%s\t%s\n" % (key(i), event("u", i, old, p)))
        for i in range(10, n + 1, 10):
            old, _ = row(i, 0)
            f.write("%s\t%s\n" % (key(i), event("d", i, {"id": i}, None)))
            f.write("%s\t\n" % key(i))
            del state[i]
        for i in range(5, n + 1, 10):
            f.write("%s\t\n" % key(i))
            del state[i]
    with open(expected, "w", newline="") as f:
        w = csv.writer(f)
        for i in sorted(state):
            w.writerow(state[i])


def flat(topic, n, out, expected):
    fields = [field("id", "int64", optional=False), field("name", "string"),
              field("qty", "int32"), field("score", "double"),
              field("ts", "int64", logical="org.apache.kafka.connect.data.Timestamp")]
    vs, ks = struct(topic + ".Value", fields), struct(topic + ".Key", fields[:1])
    with open(out, "w") as f, open(expected, "w", newline="") as e:
        w = csv.writer(e)
        for i in range(1, n + 1):
            ms = 1_700_000_000_000 + i
            v = {"id": i, "name": "row %d" % i, "qty": i % 1000, "score": i / 4.0, "ts": ms}
            f.write("%s\t%s\n" % (dumps({"schema": ks, "payload": {"id": i}}),
                                  dumps({"schema": vs, "payload": v})))
            ts = EPOCH + datetime.timedelta(milliseconds=ms)
            w.writerow([i, v["name"], v["qty"], repr(v["score"]),
                        ts.strftime("%Y-%m-%d %H:%M:%S.%f")])


def truncate(topic, out):
    vs, ks = envelope_schema(topic), key_schema(topic)
    with open(out, "w") as f:
        for i in list(range(1, 6)) + [None] + list(range(100, 103)):
            if i is None:
                f.write("\t%s\n" % dumps({"schema": vs, "payload": {
                    "before": None, "after": None, "op": "t", "ts_ms": 1}}))
                continue
            p, _ = row(i, 0)
            f.write("%s\t%s\n" % (dumps({"schema": ks, "payload": {"id": i}}),
                                  dumps({"schema": vs, "payload": {
                                      "before": None, "after": p, "op": "c", "ts_ms": 1}})))


def hostile(topic, out):
    cols = ['a"b; DROP TABLE x', "Select", "col with space", "ünïcødé"]
    fields = [field("id", "int32", optional=False)] + [field(c, "string") for c in cols]
    vs, ks = struct("h.Value", fields), struct("h.Key", fields[:1])
    with open(out, "w") as f:
        for i in (1, 2, 1):  # id 1 twice: the second upsert wins
            v = {"id": i}
            for c in cols:
                v[c] = "v%d '); DROP TABLE orders; --" % i if c == "Select" else "%s=%d" % (c, i)
            if i == 1 and "Select" in v and f.tell() > 0:
                v["Select"] = "second"
            f.write("%s\t%s\n" % (dumps({"schema": ks, "payload": {"id": i}}),
                                  dumps({"schema": vs, "payload": v})))


COPY_TEXTS = ["tab\there", "new\nline", "cr\rhere", "back\\slash", "\\N", "\\.", "",
              None, "ünïcødé \\x41", "end\\"]


def copytext(topic, n, out, expected):
    fields = [field("id", "int64", optional=False), field("txt", "string"),
              field("qty", "int32")]
    vs, ks = struct(topic + ".Value", fields), struct(topic + ".Key", fields[:1])
    def quoted(t):
        return "" if t is None else '"%s"' % t.replace('"', '""')

    with open(out, "w") as f, open(expected, "w", newline="") as e:
        for i in range(1, n + 1):
            t = COPY_TEXTS[i % len(COPY_TEXTS)]
            t = None if t is None else "%s #%d" % (t, i) if i % 3 else t
            v = {"id": i, "txt": t, "qty": i % 1000}
            f.write("%s\t%s\n" % (dumps({"schema": ks, "payload": {"id": i}}),
                                  dumps({"schema": vs, "payload": v})))
            e.write("%d,%s,%d\n" % (i, quoted(t), v["qty"]))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "cdc":
        cdc(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif mode == "flat":
        flat(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif mode == "truncate":
        truncate(sys.argv[2], sys.argv[3])
    elif mode == "copytext":
        copytext(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif mode == "hostile":
        hostile(sys.argv[2], sys.argv[3])
    else:
        sys.exit("unknown mode " + mode)
