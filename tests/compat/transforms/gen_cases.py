#!/usr/bin/env python3
"""Writes the cases of the transforms compatibility test
(tests/e2e/transforms_compat_e2e.sh) into cases/: for each case a connector
config <name>.properties and its input records <name>.jsonl, one record a
line as `sluice transform` and TransformRef read them. The records' key and
value are the bytes a JsonConverter (schemas.enable true or false) or a
StringConverter would read, so they are built here from Python values.

Run it after changing a case: python3 tests/compat/transforms/gen_cases.py
Cases named refuse_* are configs Kafka Connect refuses: both sides must.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cases")
TS = 1700000000123  # 2023-11-14T22:13:20.123Z


def js(v):
    """JSON text as JsonConverter writes it (compact, UTF-8)."""
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


# ---- schemas in JsonConverter's form ----------------------------------------


def prim(t, field=None, optional=False, name=None, version=None, params=None, default=None,
         doc=None):
    # JsonConverter.asJsonSchema's order: the default comes after parameters.
    s = {"type": t, "optional": optional}
    if name:
        s["name"] = name
    if version is not None:
        s["version"] = version
    if doc:
        s["doc"] = doc
    if params:
        s["parameters"] = params
    if default is not None:
        s["default"] = default
    if field:
        s["field"] = field
    return s


def struct(fields, field=None, optional=False, name=None, version=None, doc=None, params=None,
           default=None):
    s = {"type": "struct", "fields": fields, "optional": optional}
    if name:
        s["name"] = name
    if version is not None:
        s["version"] = version
    if doc:
        s["doc"] = doc
    if params:
        s["parameters"] = params
    if default is not None:
        s["default"] = default
    if field:
        s["field"] = field
    return s


def timestamp(field, optional=False):
    return prim("int64", field, optional, name="org.apache.kafka.connect.data.Timestamp", version=1)


def decimal(field, scale, optional=True):
    return prim("bytes", field, optional, name="org.apache.kafka.connect.data.Decimal", version=1,
                params={"scale": str(scale)})


ADDRESS = struct([prim("string", "street"), prim("string", "city", True)], "address", True,
                 name="com.example.Address")
ORDER = struct([
    prim("int32", "id"),
    prim("string", "name", True),
    prim("double", "price", True),
    prim("boolean", "active"),
    timestamp("created"),
    decimal("amount", 2),
    ADDRESS,
    {"type": "array", "items": prim("string"), "optional": True, "field": "tags"},
    {"type": "map", "keys": prim("string"), "values": prim("int32"), "optional": True,
     "field": "counts"},
], name="com.example.Order", version=2, doc="An order as the shop writes it")
ORDER_KEY = struct([prim("int32", "id")], name="com.example.OrderKey")

ORDERS = [
    {"id": 1, "name": "Zoë «quoted» \"x\"\t\\ \u0001 \u2028", "price": 12.5, "active": True,
     "created": TS, "amount": "MDk=", "address": {"street": "Main St 1", "city": "Zürich"},
     "tags": ["a", "ü"], "counts": {"x": 1, "y": 2}},
    {"id": 2, "name": None, "price": None, "active": False, "created": 0, "amount": None,
     "address": None, "tags": None, "counts": None},
    {"id": -2147483648, "name": "", "price": 1e-7, "active": True, "created": -1000,
     "amount": "/w==", "address": {"street": "", "city": None}, "tags": [], "counts": {}},
]

# The same rows without schemas: what a JSON producer writes.
ROWS = [
    {"id": 1, "name": "Zoë «quoted» \"x\"\t\\ \u0001 \u2028", "price": 12.5, "active": True,
     "created": TS, "address": {"street": "Main St 1", "city": "Zürich", "geo": {"lat": 47.37}},
     "tags": ["a", "ü"]},
    {"id": 2, "name": None, "price": None, "active": False, "created": 0, "address": None},
    {"id": 3, "big": 9007199254740993, "price": 100.0, "ratio": 0.1, "nested": {"a": {"b": 1}}},
]


def env(schema, payload):
    return js({"schema": schema, "payload": payload})


def rec(value, key=None, topic="shop.orders", offset=0, ts=TS, headers=(), partition=0):
    return {"topic": topic, "partition": partition, "offset": offset, "timestamp": ts,
            "key": key, "value": value,
            "headers": [{"key": k, "value": v} for k, v in headers]}


def schemaful_orders(extra=()):
    recs = []
    for i, o in enumerate(ORDERS):
        recs.append(rec(env(ORDER, o), env(ORDER_KEY, {"id": o["id"]}), offset=i,
                        headers=[("trace", "abc")] if i == 0 else []))
    recs.append(rec(None, env(ORDER_KEY, {"id": 2}), offset=len(recs)))  # tombstone
    recs.extend(extra)
    return recs


def schemaless_rows(extra=()):
    recs = []
    for i, r in enumerate(ROWS):
        recs.append(rec(js(r), js({"id": r["id"]}), offset=i,
                        headers=[("trace", "abc")] if i == 0 else []))
    recs.append(rec(None, js({"id": 2}), offset=len(recs)))  # tombstone
    recs.extend(extra)
    return recs


SCHEMAFUL = ["key.converter=org.apache.kafka.connect.json.JsonConverter",
             "key.converter.schemas.enable=true",
             "value.converter=org.apache.kafka.connect.json.JsonConverter",
             "value.converter.schemas.enable=true"]
SCHEMALESS = ["key.converter=org.apache.kafka.connect.json.JsonConverter",
              "key.converter.schemas.enable=false",
              "value.converter=org.apache.kafka.connect.json.JsonConverter",
              "value.converter.schemas.enable=false"]

CASES = {}


def case(name, doc, transforms, records, converters=SCHEMAFUL, predicates=(), refused=None,
         extra=()):
    """transforms: list of (alias, type, {key: value}); predicates the same;
    extra: more lines of the config.
    refused: the key whose value Kafka Connect refuses; sluice's message
    must name it (the harness reads it from the "# refused:" line)."""
    lines = ["# " + doc]
    if refused:
        lines.append("# refused: " + refused)
    lines.append("name=compat-" + name.replace("_", "-"))
    lines += converters
    lines.append("transforms=" + ",".join(a for a, _, _ in transforms))
    for alias, typ, keys in transforms:
        lines.append(f"transforms.{alias}.type={typ}")
        lines += [f"transforms.{alias}.{k}={v}" for k, v in keys.items()]
    if predicates:
        lines.append("predicates=" + ",".join(a for a, _, _ in predicates))
        for alias, typ, keys in predicates:
            lines.append(f"predicates.{alias}.type={typ}")
            lines += [f"predicates.{alias}.{k}={v}" for k, v in keys.items()]
    lines += extra
    CASES[name] = ("\n".join(lines) + "\n", records)


K = "org.apache.kafka.connect.transforms."
P = K + "predicates."

# ---- Apache Kafka's transforms ----------------------------------------------

case("cast_schema", "Cast$Value on struct fields: numbers, boolean, Decimal and Timestamp to string",
     [("cast", K + "Cast$Value",
       {"spec": "id:string,price:float32,active:int8,amount:float64,created:string,name:string"})],
     schemaful_orders())
case("cast_key_whole_schema", "Cast$Key of a whole primitive key; value untouched",
     [("cast", K + "Cast$Key", {"spec": "string"})],
     [rec(env(prim("int32"), 1), env(prim("int64"), 42)),
      rec(env(prim("int32"), 2), env(prim("int64", optional=True), None)),
      rec(None, env(prim("boolean"), True))])
case("cast_schemaless", "Cast$Value on map entries, strings parsed as numbers",
     [("cast", K + "Cast$Value", {"spec": "id:string,price:int32,active:int32,name:boolean"})],
     schemaless_rows([rec(js({"price": "2.5", "active": "true"}), offset=9),
                      rec(js({"price": "x"}), offset=10)]), SCHEMALESS)
case("drop_headers_schema", "DropHeaders: every header of each listed name goes",
     [("drop", K + "DropHeaders", {"headers": "trace,b"})],
     schemaful_orders([rec(env(prim("string"), "v"), headers=[
         ("b", "1"), ("trace", None), ("c", "true"), ("b", "2"), ("d", "[1,2]")], offset=9)]))
case("drop_headers_schemaless", "DropHeaders with schemaless values",
     [("drop", K + "DropHeaders", {"headers": "a"})],
     schemaless_rows([rec(js("v"), headers=[("a", "x"), ("A", "y"), ("a", None)], offset=9)]),
     SCHEMALESS)
case("extract_field_schema", "ExtractField$Value of a struct field (optional, nested struct)",
     [("extract", K + "ExtractField$Value", {"field": "address"})], schemaful_orders())
case("extract_field_nested_schema", "ExtractField$Value with field.syntax.version V2 (a.b)",
     [("extract", K + "ExtractField$Value",
       {"field": "address.city", "field.syntax.version": "V2"})], schemaful_orders())
case("extract_field_key_schemaless", "ExtractField$Key of map keys, missing field gives null",
     [("extract", K + "ExtractField$Key", {"field": "id"})],
     schemaless_rows([rec(js(1), js({"other": 1}), offset=9)]), SCHEMALESS)
case("extract_field_schemaless", "ExtractField$Value of map entries, nested V2",
     [("extract", K + "ExtractField$Value",
       {"field": "address.geo", "field.syntax.version": "V2"})],
     schemaless_rows(), SCHEMALESS)
case("filter_all", "Filter without a predicate drops every record",
     [("filter", K + "Filter", {})], schemaful_orders())
case("filter_topic_schemaless", "Filter the records of topics matching a Java regex",
     [("filter", K + "Filter", {"predicate": "isLog"})],
     schemaless_rows([rec(js(1), topic="shop.log", offset=9),
                      rec(js(2), topic="shop.logs", offset=10)]), SCHEMALESS,
     [("isLog", P + "TopicNameMatches", {"pattern": "shop\\\\.log"})])
case("flatten_schema", "Flatten$Value of nested structs (optional, null), arrays kept",
     [("flatten", K + "Flatten$Value", {"delimiter": "_"})],
     [rec(env(struct([prim("int32", "id"), struct([
         prim("string", "street"), struct([prim("double", "lat"), prim("double", "lon", True)],
                                          "geo", True, name="Geo")],
         "address", True, name="com.example.Address"),
         {"type": "array", "items": prim("string"), "optional": True, "field": "tags"},
         decimal("amount", 3)], name="Nested", version=3, doc="nested"),
         p), offset=i) for i, p in enumerate([
             {"id": 1, "address": {"street": "s", "geo": {"lat": 1.5, "lon": None}},
              "tags": ["x"], "amount": "AQ=="},
             {"id": 2, "address": None, "tags": None, "amount": None},
             {"id": 3, "address": {"street": "t", "geo": None}, "tags": [], "amount": None}])]
     + [rec(None, offset=3)])
case("flatten_schema_map_refused", "Flatten$Value refuses a map field under a schema",
     [("flatten", K + "Flatten$Value", {})], schemaful_orders())
case("flatten_key_schemaless", "Flatten$Key and Flatten$Value of nested maps, default delimiter",
     [("fk", K + "Flatten$Key", {}), ("fv", K + "Flatten$Value", {"delimiter": "::"})],
     schemaless_rows([rec(js({"a": {"b": [1, {"c": 2}]}, "e": {}}), js({"k": {"id": 1}}),
                          offset=9)]), SCHEMALESS)
case("header_from_copy_schema", "HeaderFrom$Value copies fields (struct, Timestamp) to headers",
     [("hf", K + "HeaderFrom$Value",
       {"fields": "id,address,created,name", "headers": "h_id,h_addr,h_created,h_name",
        "operation": "copy"})], schemaful_orders())
case("header_from_move_schema", "HeaderFrom$Value moves fields: the schema loses them",
     [("hf", K + "HeaderFrom$Value",
       {"fields": "name,tags", "headers": "name,tags", "operation": "move"})],
     schemaful_orders())
case("header_from_schemaless", "HeaderFrom$Key and $Value on maps",
     [("hk", K + "HeaderFrom$Key", {"fields": "id", "headers": "kid", "operation": "copy"}),
      ("hv", K + "HeaderFrom$Value",
       {"fields": "price,address", "headers": "p,a", "operation": "move"})],
     schemaless_rows(), SCHEMALESS)
case("hoist_field_schema", "HoistField$Value wraps the value (struct, primitive, null)",
     [("hoist", K + "HoistField$Value", {"field": "wrapped"})],
     schemaful_orders([rec(env(prim("string", optional=True), "só"), offset=9),
                       rec(env(prim("string", optional=True), None), offset=10)]))
case("hoist_field_schemaless", "HoistField$Key and $Value without schemas",
     [("hk", K + "HoistField$Key", {"field": "k"}), ("hv", K + "HoistField$Value", {"field": "v"})],
     schemaless_rows([rec(js([1, 2]), js("s"), offset=9)]), SCHEMALESS)
case("insert_field_schema", "InsertField$Value: topic, partition, offset, timestamp, static",
     [("ins", K + "InsertField$Value",
       {"topic.field": "t", "partition.field": "p", "offset.field": "o!",
        "timestamp.field": "ts", "static.field": "origin", "static.value": "pg ✓"})],
     schemaful_orders([rec(env(ORDER, ORDERS[1]), ts=None, offset=9, partition=3)]))
case("insert_field_key_schema", "InsertField$Key of the topic into a struct key",
     [("ins", K + "InsertField$Key", {"topic.field": "topic!"})], schemaful_orders())
case("insert_field_schemaless", "InsertField$Value into maps; tombstones pass",
     [("ins", K + "InsertField$Value",
       {"topic.field": "t", "partition.field": "p", "offset.field": "o",
        "timestamp.field": "ts!", "static.field": "s", "static.value": "v"})],
     schemaless_rows([rec(js(5), offset=9), rec(js({"a": 1}), ts=None, offset=10)]), SCHEMALESS)
case("insert_header_schema", "InsertHeader: a literal parsed as SimpleHeaderConverter does",
     [("h1", K + "InsertHeader", {"header": "origin", "value.literal": "pg"}),
      ("h2", K + "InsertHeader", {"header": "n", "value.literal": "42"}),
      ("h3", K + "InsertHeader", {"header": "trace", "value.literal": "[1, 2]"})],
     schemaful_orders())
case("insert_header_schemaless", "InsertHeader with schemaless values",
     [("h", K + "InsertHeader", {"header": "b", "value.literal": "true"})],
     schemaless_rows(), SCHEMALESS)
case("mask_field_schema", "MaskField$Value: type zeros (Timestamp, array, map)",
     [("mask", K + "MaskField$Value", {"fields": "name,price,active,created,tags,counts"})],
     schemaful_orders())
case("mask_field_decimal_schema", "MaskField$Value of a Decimal: zero of scale 0, which "
     "JsonConverter refuses under a scale 2 schema; null stays null",
     [("mask", K + "MaskField$Value", {"fields": "amount"})], schemaful_orders())
case("mask_field_replacement_schema", "MaskField$Value with a replacement for strings and numbers",
     [("mask", K + "MaskField$Value", {"fields": "name,id,price", "replacement": "0"})],
     schemaful_orders())
case("mask_field_schemaless", "MaskField$Value on map entries, with a replacement",
     [("mask", K + "MaskField$Value", {"fields": "name,price,missing", "replacement": "***"})],
     schemaless_rows(), SCHEMALESS)
case("mask_field_struct_refused", "MaskField$Value cannot mask a struct field",
     [("mask", K + "MaskField$Value", {"fields": "address"})], schemaful_orders())
case("regex_router_schema", "RegexRouter with groups; topics that do not match stay",
     [("route", K + "RegexRouter", {"regex": "([^.]+)\\\\.(.+)", "replacement": "$2-from-$1"})],
     schemaful_orders([rec(env(prim("string"), "x"), topic="plain", offset=9)]))
case("regex_router_schemaless", "RegexRouter: the whole topic must match (Java matches())",
     [("route", K + "RegexRouter", {"regex": "shop", "replacement": "never"}),
      ("route2", K + "RegexRouter", {"regex": "(?i)SHOP\\\\.(\\\\w+)", "replacement": "$1"})],
     schemaless_rows([rec(js(1), topic="shop", offset=9)]), SCHEMALESS)
case("replace_field_schema", "ReplaceField$Value exclude and renames keep field order",
     [("rf", K + "ReplaceField$Value",
       {"exclude": "price,tags", "renames": "name:full_name,id:ID,counts:c"})],
     schemaful_orders())
case("replace_field_include_schema", "ReplaceField$Value include list",
     [("rf", K + "ReplaceField$Value", {"include": "id,address,nope"})], schemaful_orders())
case("replace_field_schemaless", "ReplaceField$Key and $Value on maps",
     [("rk", K + "ReplaceField$Key", {"renames": "id:key_id"}),
      ("rv", K + "ReplaceField$Value", {"exclude": "address", "renames": "name:n"})],
     schemaless_rows(), SCHEMALESS)
case("set_schema_metadata_schema", "SetSchemaMetadata$Value and $Key rename and version",
     [("sv", K + "SetSchemaMetadata$Value", {"schema.name": "com.example.Renamed",
                                             "schema.version": "7"}),
      ("sk", K + "SetSchemaMetadata$Key", {"schema.name": "com.example.K"})],
     schemaful_orders([rec(env(prim("string"), "x"), offset=9)]))
case("set_schema_metadata_schemaless", "SetSchemaMetadata$Value without a schema",
     [("sv", K + "SetSchemaMetadata$Value", {"schema.name": "n"})],
     schemaless_rows(), SCHEMALESS)
case("timestamp_converter_string_schema", "TimestampConverter$Value Timestamp to formatted string",
     [("tc", K + "TimestampConverter$Value",
       {"field": "created", "target.type": "string", "format": "yyyy-MM-dd'T'HH:mm:ss.SSS"})],
     schemaful_orders())
case("timestamp_converter_unix_schema", "TimestampConverter$Value to unix microseconds",
     [("tc", K + "TimestampConverter$Value",
       {"field": "created", "target.type": "unix", "unix.precision": "microseconds"})],
     schemaful_orders())
case("timestamp_converter_date_schema", "TimestampConverter$Value Timestamp to Date and Time",
     [("td", K + "TimestampConverter$Value", {"field": "created", "target.type": "Date"}),
      ("tt", K + "TimestampConverter$Value", {"field": "created", "target.type": "Time"})],
     schemaful_orders())
case("timestamp_converter_int_refused_schema", "TimestampConverter$Value on an int32 field fails",
     [("td", K + "TimestampConverter$Value", {"field": "id", "target.type": "Date"})],
     schemaful_orders())
case("timestamp_converter_whole_schema", "TimestampConverter$Value of a whole value",
     [("tc", K + "TimestampConverter$Value", {"target.type": "Timestamp",
                                              "format": "yyyy-MM-dd HH:mm:ss"})],
     [rec(env(prim("string"), "2024-02-29 23:59:58"), offset=0),
      rec(env(prim("string", optional=True), None), offset=1),
      rec(env(prim("string"), "bad"), offset=2),
      rec(env(prim("int64"), 86400000), offset=3)])
case("timestamp_converter_schemaless", "TimestampConverter$Value on map entries",
     [("tc", K + "TimestampConverter$Value",
       {"field": "created", "target.type": "string", "format": "dd/MM/yyyy HH:mm"})],
     schemaless_rows([rec(js({"created": "x"}), offset=9)]), SCHEMALESS)
case("timestamp_router_schema", "TimestampRouter: topic and record timestamp (UTC)",
     [("tr", K + "TimestampRouter", {"topic.format": "${topic}_${timestamp}-x",
                                     "timestamp.format": "yyyy.MM.dd-HH"})],
     schemaful_orders([rec(env(prim("string"), "x"), ts=None, offset=9)]))
case("timestamp_router_schemaless", "TimestampRouter with its defaults",
     [("tr", K + "TimestampRouter", {})], schemaless_rows(), SCHEMALESS)
case("value_to_key_schema", "ValueToKey: a struct key from value fields",
     [("vk", K + "ValueToKey", {"fields": "id,address,name"})], schemaful_orders())
case("value_to_key_schemaless", "ValueToKey on maps, missing fields give null",
     [("vk", K + "ValueToKey", {"fields": "id,nope"})], schemaless_rows(), SCHEMALESS)

# ---- defaults -----------------------------------------------------------------

DEFAULTS = struct([
    prim("int32", "id"),
    prim("string", "opt", True, default="dflt"),
    prim("int32", "n", True, default=7),
    prim("boolean", "flag", default=True),
    struct([prim("int32", "x", True, default=5)], "nested", True, name="Inner"),
], name="com.example.Defaults", version=1)
DEFAULT_ROWS = [{"id": 1, "opt": None, "n": None, "flag": None, "nested": {"x": None}},
                {"id": 2},
                {"id": 3, "opt": "x", "n": 0, "flag": False, "nested": None}]


def defaults_records():
    return [rec(env(DEFAULTS, p), offset=i) for i, p in enumerate(DEFAULT_ROWS)]


case("defaults_cast_schema", "Cast$Value casts the defaults of the fields it casts",
     [("cast", K + "Cast$Value", {"spec": "n:string,flag:int8,opt:string"})], defaults_records())
case("defaults_flatten_schema", "Flatten$Value keeps the defaults of nested fields",
     [("flatten", K + "Flatten$Value", {})], defaults_records())
case("defaults_replace_field_schema", "ReplaceField$Value and ValueToKey on fields with defaults",
     [("rf", K + "ReplaceField$Value", {"renames": "opt:o", "exclude": "flag"}),
      ("vk", K + "ValueToKey", {"fields": "o,n"})], defaults_records())

# ---- predicates ---------------------------------------------------------------

case("topic_name_matches_schema", "TopicNameMatches picks where InsertField applies",
     [("ins", K + "InsertField$Value", {"static.field": "f", "static.value": "y",
                                        "predicate": "orders"})],
     schemaful_orders([rec(env(struct([prim("int32", "id")]), {"id": 1}), topic="shop.other",
                           offset=9)]), SCHEMAFUL,
     [("orders", P + "TopicNameMatches", {"pattern": ".*\\\\.orders"})])
case("topic_name_matches_negate_schemaless", "TopicNameMatches negated",
     [("ins", K + "InsertField$Value", {"static.field": "f", "static.value": "y",
                                        "predicate": "orders", "negate": "true"})],
     schemaless_rows([rec(js({"id": 1}), topic="shop.other", offset=9)]), SCHEMALESS,
     [("orders", P + "TopicNameMatches", {"pattern": "shop\\\\.orders"})])
case("has_header_key_schema", "HasHeaderKey: DropHeaders only where a header is present",
     [("mask", K + "MaskField$Value", {"fields": "name", "predicate": "traced"})],
     schemaful_orders(), SCHEMAFUL, [("traced", P + "HasHeaderKey", {"name": "trace"})])
case("has_header_key_negate_schemaless", "HasHeaderKey negated; a header with a null value counts",
     [("ins", K + "InsertHeader", {"header": "trace", "value.literal": "new",
                                   "predicate": "traced", "negate": "true"})],
     schemaless_rows([rec(js(1), headers=[("trace", None)], offset=9)]), SCHEMALESS,
     [("traced", P + "HasHeaderKey", {"name": "trace"})])
case("record_is_tombstone_schema", "RecordIsTombstone: Filter drops tombstones only",
     [("filter", K + "Filter", {"predicate": "tomb"})],
     schemaful_orders(), SCHEMAFUL, [("tomb", P + "RecordIsTombstone", {})])
case("record_is_tombstone_negate_schemaless", "RecordIsTombstone negated: keep only tombstones",
     [("filter", K + "Filter", {"predicate": "tomb", "negate": "true"})],
     schemaless_rows(), SCHEMALESS, [("tomb", P + "RecordIsTombstone", {})])

# ---- other converters ---------------------------------------------------------

case("string_converter_route", "StringConverter values through RegexRouter and InsertHeader",
     [("route", K + "RegexRouter", {"regex": "(.*)", "replacement": "$1.copy"}),
      ("h", K + "InsertHeader", {"header": "x", "value.literal": "1.5"})],
     [rec("plain text ü", "k1"), rec(None, None, offset=1), rec("", "", offset=2)],
     ["key.converter=org.apache.kafka.connect.storage.StringConverter",
      "value.converter=org.apache.kafka.connect.storage.StringConverter"])
case("no_transforms_schema", "No transform: the converters alone, both ways",
     [], schemaful_orders())
case("no_transforms_schemaless", "No transform, schemaless: the converters alone",
     [], schemaless_rows(), SCHEMALESS)
case("insert_header_literals", "InsertHeader literals parsed as SimpleHeaderConverter parses "
     "them (numbers, booleans, lists, maps, dates, unicode) and written back by it",
     [(f"h{i}", K + "InsertHeader", {"header": k, "value.literal": v}) for i, (k, v) in enumerate([
         ("int", "1"), ("dec", "1.50"), ("neg", "-0"), ("big", "9999999999999999999999"),
         ("bool", "TRUE"), ("empty", ""), ("nulltext", "null"), ("list", "[1, 2,3]"),
         ("map", '{"b":1, "a":"x"}'), ("date", "2024-01-02"), ("time", "10:11:12.345"),
         ("ts", "2024-01-02T10:11:12.345Z"), ("uni", "ü 🚀"), ("spaced", "  x  "),
         ("quoted", '"q"'), ("float", "1e3"), ("mixed", '[1, "a"]')])],
     [rec(env(prim("string"), "v"), headers=[("in", "1.50"), ("n", None)])])
case("unicode_supplementary_schema", "Characters outside the BMP in strings: Jackson "
     "(JsonConverter) writes them as a \\u surrogate pair escape",
     [("ins", K + "InsertField$Value", {"static.field": "s", "static.value": "🚀"})],
     [rec(env(struct([prim("string", "name")]), {"name": "🚀 a 𝄞"}), env(prim("string"), "🔑")),
      rec(env(prim("string"), "é😀"), offset=1)])
case("unicode_supplementary_schemaless", "Characters outside the BMP without schemas",
     [("ins", K + "InsertField$Value", {"static.field": "s", "static.value": "🚀"})],
     [rec(js({"name": "🚀"}), js("🔑"))], SCHEMALESS)
case("default_converters", "No converter keys: JsonConverter with schemas.enable=true",
     [("ins", K + "InsertField$Value", {"static.field": "s", "static.value": "v"})],
     schemaful_orders(), [])

# ---- refused configs ------------------------------------------------------------

case("refuse_cast_bad_type", "Cast with a type it does not know",
     [("cast", K + "Cast$Value", {"spec": "id:nope"})], schemaful_orders(),
     refused="transforms.cast.spec")
case("refuse_regex_router_no_regex", "RegexRouter without its required regex",
     [("route", K + "RegexRouter", {"replacement": "x"})], schemaful_orders(),
     refused="transforms.route.regex")
case("refuse_replace_field_bad_rename", "ReplaceField with a rename that is not old:new",
     [("rf", K + "ReplaceField$Value", {"renames": "a"})], schemaful_orders(),
     refused="transforms.rf.renames")
case("refuse_timestamp_converter_string_no_format",
     "TimestampConverter to string without a format",
     [("tc", K + "TimestampConverter$Value", {"field": "created", "target.type": "string"})],
     schemaful_orders(),
     refused="transforms.tc.format")
case("refuse_unknown_predicate", "A transform naming a predicate that is not defined",
     [("f", K + "Filter", {"predicate": "nope"})], schemaful_orders(),
     refused="transforms.f.predicate")
case("refuse_predicate_not_listed", "A predicate defined but not listed in predicates",
     [("f", K + "Filter", {"predicate": "tomb"})], schemaful_orders(),
     refused="transforms.f.predicate",
     extra=["predicates.tomb.type=" + P + "RecordIsTombstone"])
case("refuse_duplicate_alias", "The same alias twice in transforms",
     [("a", K + "Filter", {}), ("a", K + "Filter", {})], schemaful_orders(),
     refused="transforms")

# ---- Debezium -------------------------------------------------------------------
# Change events of sluice's postgres-source (Debezium 3.6's shape, as
# tests/unit/postgres/pg_event_test.c pins it) for inventory.customers.

SOURCE = struct([
    prim("string", "version"), prim("string", "connector"), prim("string", "name"),
    prim("int64", "ts_ms"),
    prim("string", "snapshot", True, name="io.debezium.data.Enum", version=1,
         params={"allowed": "true,first,first_in_data_collection,last_in_data_collection,"
                            "last,false,incremental"}, default="false"),
    prim("string", "db"), prim("string", "sequence", True), prim("int64", "ts_us", True),
    prim("int64", "ts_ns", True), prim("string", "schema"), prim("string", "table"),
    prim("int64", "txId", True), prim("int64", "lsn", True), prim("int64", "xmin", True),
    prim("string", "origin", True), prim("int64", "origin_lsn", True),
], "source", name="io.debezium.connector.postgresql.Source", version=1)
TRANSACTION = struct([prim("string", "id"), prim("int64", "total_order"),
                      prim("int64", "data_collection_order")], "transaction", True,
                     name="event.block", version=1)


def customer_row(prefix, table, field):
    return struct([prim("int32", "id"), prim("string", "first_name", True),
                   prim("string", "email", True),
                   prim("int64", "updated", True, name="io.debezium.time.MicroTimestamp",
                        version=1)],
                  field, True, name=f"{prefix}.inventory.{table}.Value")


def envelope(prefix, table):
    return struct([customer_row(prefix, table, "before"), customer_row(prefix, table, "after"),
                   SOURCE, TRANSACTION, prim("string", "op"), prim("int64", "ts_ms", True),
                   prim("int64", "ts_us", True), prim("int64", "ts_ns", True)],
                  name=f"{prefix}.inventory.{table}.Envelope", version=2)


def source(table, lsn, txid, snapshot="false", ts=1764064800123):
    return {"version": "3.6.1.Final", "connector": "postgresql", "name": "dbserver1",
            "ts_ms": ts, "snapshot": snapshot, "db": "inventory",
            "sequence": js([str(lsn - 56) if txid else None, str(lsn) if lsn else None]),
            "ts_us": ts * 1000, "ts_ns": ts * 1000000, "schema": "inventory",
            "table": table, "txId": txid, "lsn": lsn, "xmin": None, "origin": None,
            "origin_lsn": None}


def change(op, before, after, table="customers", lsn=22967736, txid=771, snapshot="false",
           offset=0, schemas=True, prefix="dbserver1"):
    topic = f"{prefix}.inventory.{table}"
    value = {"before": before, "after": after, "source": source(table, lsn, txid, snapshot),
             "transaction": None, "op": op, "ts_ms": 1764064800456,
             "ts_us": 1764064800456789, "ts_ns": 1764064800456789000}
    row = after or before
    keyschema = struct([prim("int32", "id")], name=f"{prefix}.inventory.{table}.Key")
    if schemas:
        return rec(env(envelope(prefix, table), value), env(keyschema, {"id": row["id"]}),
                   topic=topic, offset=offset, ts=1764064800500)
    return rec(js(value), js({"id": row["id"]}), topic=topic, offset=offset, ts=1764064800500)


def tombstone(id_, table="customers", offset=0, schemas=True, prefix="dbserver1"):
    keyschema = struct([prim("int32", "id")], name=f"{prefix}.inventory.{table}.Key")
    key = env(keyschema, {"id": id_}) if schemas else js({"id": id_})
    return rec(None, key, topic=f"{prefix}.inventory.{table}", offset=offset, ts=1764064800500)


def debezium_events(schemas=True, table="customers"):
    sally = {"id": 1001, "first_name": "Sally", "email": "sally@example.com",
             "updated": 1764064800123456}
    sally2 = dict(sally, email="sally.t@example.com")
    anne = {"id": 1004, "first_name": "Anne Marie", "email": None, "updated": None}
    return [
        change("r", None, anne, lsn=None, txid=None, snapshot="last", offset=0, schemas=schemas,
               table=table),
        change("c", None, sally, offset=1, schemas=schemas, table=table),
        change("u", sally, sally2, lsn=22968000, txid=772, offset=2, schemas=schemas,
               table=table),
        change("d", sally2, None, lsn=22968200, txid=773, offset=3, schemas=schemas,
               table=table),
        tombstone(1001, offset=4, schemas=schemas, table=table),
    ]


D = "io.debezium.transforms."
case("debezium_unwrap_route_schema",
     "The Debezium tutorial: unwrap (ExtractNewRecordState) then route by table",
     [("unwrap", D + "ExtractNewRecordState", {}),
      ("route", K + "RegexRouter",
       {"regex": "([^.]+)\\\\.([^.]+)\\\\.([^.]+)", "replacement": "$3"})],
     debezium_events())
case("debezium_unwrap_schemaless", "ExtractNewRecordState on schemaless events passes them",
     [("unwrap", D + "ExtractNewRecordState", {})], debezium_events(False), SCHEMALESS)
case("debezium_unwrap_rewrite_schema",
     "ExtractNewRecordState rewrite mode with added fields and headers",
     [("unwrap", D + "ExtractNewRecordState",
       {"delete.tombstone.handling.mode": "rewrite", "add.fields": "op,table,lsn,source.ts_ms",
        "add.headers": "db,op", "add.fields.prefix": "__"})],
     debezium_events())
case("debezium_unwrap_drop_schema",
     "ExtractNewRecordState drop mode: deletes and tombstones go",
     [("unwrap", D + "ExtractNewRecordState", {"delete.tombstone.handling.mode": "drop"})],
     debezium_events())
case("debezium_unwrap_tombstone_schema",
     "ExtractNewRecordState tombstone mode: deletes become tombstones",
     [("unwrap", D + "ExtractNewRecordState",
       {"delete.tombstone.handling.mode": "tombstone", "add.fields": "op"})],
     debezium_events())
case("debezium_unwrap_route_by_field_schema",
     "ExtractNewRecordState route.by.field: the topic from a field of the row",
     [("unwrap", D + "ExtractNewRecordState", {"route.by.field": "first_name"})],
     debezium_events())
case("debezium_by_logical_table_router_schema",
     "ByLogicalTableRouter: shards into one topic, key made unique",
     [("reroute", D + "ByLogicalTableRouter",
       {"topic.regex": "(.*)customers_shard(.*)", "topic.replacement": "$1customers_all_shards"})],
     debezium_events(table="customers_shard1") + debezium_events(table="customers_shard2")[1:2])
case("debezium_by_logical_table_router_key_schema",
     "ByLogicalTableRouter with key.field.regex and key.field.replacement",
     [("reroute", D + "ByLogicalTableRouter",
       {"topic.regex": "dbserver1\\\\.inventory\\\\.(.*)_shard(\\\\d+)",
        "topic.replacement": "all.$1", "key.field.name": "shard",
        "key.field.regex": "dbserver1\\\\.inventory\\\\.(.*)_shard(\\\\d+)",
        "key.field.replacement": "$2"})],
     debezium_events(table="customers_shard7"))
case("debezium_by_logical_table_router_schemaless",
     "ByLogicalTableRouter on schemaless events",
     [("reroute", D + "ByLogicalTableRouter",
       {"topic.regex": "(.*)customers_shard(.*)", "topic.replacement": "$1customers_all_shards"})],
     debezium_events(False, table="customers_shard1"), SCHEMALESS)


# ---- more cases: nested paths, defaults, kinds of values ----------------------
# A struct with a nested struct whose field has a default, a Decimal, and a
# field whose name holds a dot; the same kinds of values without schemas.

INNER = struct([prim("int32", "y", True, default=7), decimal("amt", 2)], "b", True, name="inner")
OUTER = struct([prim("string", "a"), INNER,
                struct([prim("string", "z", True)], "c.d", True)],
               name="outer", version=3, doc="d", params={"k": "v"})
OUTER_ROWS = [{"a": "x", "b": {"y": 3, "amt": "MDk="}, "c.d": {"z": "q"}},
              {"a": "x", "b": None, "c.d": None},
              {"a": "x", "b": {"y": None, "amt": None}, "c.d": {"z": None}}]
# Values a JSON producer writes: maps, and other kinds a map transform refuses.
LOOSE = [{"a": {"b": {"c": 1}}, "x.y": {"z": 2}, "n": None, "arr": [1, 2], "s": "str"},
         {"a": None}, {"a": 5}, [1], "plain", None, 3.5]
TS2 = 1700000000999


def outer_records(tombstone=True):
    recs = [rec(env(OUTER, p), topic="t1", partition=2, offset=7 + i, ts=TS2)
            for i, p in enumerate(OUTER_ROWS)]
    if tombstone:
        recs.append(rec(None, topic="t1", partition=2, offset=10, ts=TS2))
    return recs


def loose_records():
    return [rec(None if v is None else js(v), topic="t1", partition=2, offset=7 + i, ts=TS2)
            for i, v in enumerate(LOOSE)]


for name, field, doc in [
        ("b_y", "b.y", "a nested optional field: its default for a null"),
        ("b_amt", "b.amt", "a nested Decimal"),
        ("b_nope", "b.nope", "a nested field the struct does not have"),
        ("nope", "nope", "a field the struct does not have"),
        ("dotted", "c.d.z", "a path through a field whose name holds a dot, unquoted"),
        ("backquoted", "`c.d`.z", "a path with a backquoted name holding a dot")]:
    case(f"extract_field_v2_{name}_schema", "ExtractField$Value V2: " + doc,
         [("e", K + "ExtractField$Value", {"field": field, "field.syntax.version": "V2"})],
         outer_records())
case("extract_field_v2_no_default_schema",
     "ExtractField$Value V2 with replace.null.with.default=false: a null stays null",
     [("e", K + "ExtractField$Value", {"field": "b.y", "field.syntax.version": "V2",
                                       "replace.null.with.default": "false"})],
     outer_records())
for name, field, doc in [
        ("top", "a", "a top field of maps and of values that are not maps"),
        ("deep", "a.b.c", "three levels down"),
        ("through_null", "n.q", "through a null"),
        ("backquoted", "`x.y`.z", "a backquoted name holding a dot")]:
    case(f"extract_field_v2_{name}_schemaless", "ExtractField$Value V2 without schemas: " + doc,
         [("e", K + "ExtractField$Value", {"field": field, "field.syntax.version": "v2"})],
         loose_records(), SCHEMALESS)
case("chain_value_to_key_hoist_extract_insert_schema",
     "ValueToKey, HoistField$Key, ExtractField$Key (V2, a Decimal two levels down) "
     "and InsertField$Value in one chain",
     [("v", K + "ValueToKey", {"fields": "a,b"}), ("h", K + "HoistField$Key", {"field": "k"}),
      ("e", K + "ExtractField$Key", {"field": "k.b.amt", "field.syntax.version": "V2"}),
      ("i", K + "InsertField$Value", {"offset.field": "off", "timestamp.field": "ts"})],
     outer_records(False))
case("hoist_field_key_string", "HoistField$Key of a StringConverter key: a struct the "
     "StringConverter writes as Struct{k=...} in Kafka Connect",
     [("h", K + "HoistField$Key", {"field": "k"})],
     [rec("v", "abc", topic="t1"), rec("v", None, topic="t1", offset=1),
      rec(None, "", topic="t1", offset=2)],
     ["key.converter=org.apache.kafka.connect.storage.StringConverter",
      "value.converter=org.apache.kafka.connect.storage.StringConverter"])
case("hoist_field_kinds_schema", "HoistField$Value of structs, a named optional array, "
     "bytes and a null with a default",
     [("h", K + "HoistField$Value", {"field": "w"})],
     outer_records() + [
         rec(env({"type": "array", "items": prim("int32"), "optional": True, "name": "arr"},
                 [1, 2]), topic="t1", offset=11),
         rec(env(prim("bytes"), "AQI="), topic="t1", offset=12),
         rec(env(prim("int32", optional=True, default=4), None), topic="t1", offset=13)])
case("hoist_field_kinds_schemaless", "HoistField$Value of maps, arrays, strings, numbers, null",
     [("h", K + "HoistField$Value", {"field": "w"})], loose_records(), SCHEMALESS)
case("insert_field_duplicate_schema", "InsertField$Value of a field the struct already has",
     [("i", K + "InsertField$Value", {"topic.field": "a"})], outer_records())
case("insert_field_key_kinds_schemaless", "InsertField$Key into map keys; null and "
     "non-map keys",
     [("i", K + "InsertField$Key", {"topic.field": "tt", "timestamp.field": "when!",
                                    "partition.field": "p?"})],
     [rec(None, js({"id": 1}), topic="t1", partition=2, offset=7, ts=TS2),
      rec(js({}), None, topic="t1", partition=2, offset=8, ts=TS2),
      rec(js({}), js("s"), topic="t1", partition=2, offset=9, ts=TS2),
      rec(js({}), js({}), topic="t1", partition=2, offset=10, ts=TS2)], SCHEMALESS)
case("insert_field_no_default_schema", "InsertField$Value with an empty static value and "
     "replace.null.with.default=false: nulls under defaults stay null",
     [("i", K + "InsertField$Value", {"static.field": "st!", "static.value": "",
                                      "replace.null.with.default": "false"})],
     outer_records())
case("insert_field_string_value", "InsertField$Value of a StringConverter value: not a struct",
     [("i", K + "InsertField$Value", {"topic.field": "t"})],
     [rec("text", topic="t1"), rec(None, topic="t1", offset=1)],
     ["key.converter=org.apache.kafka.connect.storage.StringConverter",
      "value.converter=org.apache.kafka.connect.storage.StringConverter"])
case("value_to_key_nested_schema", "ValueToKey of a nested struct (with defaults) and a "
     "string, in the order listed",
     [("v", K + "ValueToKey", {"fields": "b,a"})], outer_records())
case("value_to_key_no_default_schema", "ValueToKey with replace.null.with.default=false",
     [("v", K + "ValueToKey", {"fields": "b", "replace.null.with.default": "false"})],
     outer_records())
case("value_to_key_kinds_schemaless", "ValueToKey of a string and an array; values that "
     "are not maps",
     [("v", K + "ValueToKey", {"fields": "s,arr"})], loose_records(), SCHEMALESS)

KINDS = struct([
    prim("bytes", "dec", name="org.apache.kafka.connect.data.Decimal", version=1,
         params={"scale": "2"}),
    prim("bytes", "raw"),
    {"type": "array", "items": prim("int32"), "optional": False, "field": "arr"},
    {"type": "map", "keys": prim("string"), "values": prim("int32"), "optional": False,
     "field": "smap"},
    {"type": "map", "keys": prim("int32"), "values": prim("string"), "optional": False,
     "field": "imap"},
    prim("float", "f32"), prim("double", "f64"), prim("boolean", "b"), prim("int64", "l"),
    prim("int32", "t", name="org.apache.kafka.connect.data.Time", version=1),
    prim("string", "s")])
KIND_FIELDS = "dec,raw,arr,smap,imap,f32,f64,b,l,t,s"
case("header_from_kinds_schema", "HeaderFrom$Value moves fields of every kind to headers, "
     "which SimpleHeaderConverter writes",
     [("hf", K + "HeaderFrom$Value", {"fields": KIND_FIELDS, "headers": KIND_FIELDS,
                                      "operation": "move"})],
     [rec(env(KINDS, {"dec": "AeJA", "raw": "AQID", "arr": [1, 2], "smap": {"x": 1},
                      "imap": [[1, "a"], [2, "b"]], "f32": 1.1, "f64": 1e-05, "b": True,
                      "l": -5, "t": 3723004, "s": "tab\there \"q\" \\ é"})),
      rec(env(KINDS, {"dec": "AA==", "raw": "", "arr": [], "smap": {}, "imap": [],
                      "f32": 30000000000.0, "f64": 12345678.9, "b": False,
                      "l": 9007199254740993, "t": 0, "s": ""}), offset=1)])
case("set_schema_metadata_unnamed_schema", "SetSchemaMetadata$Value names a struct schema "
     "that had none (version, doc, parameters kept) and an array schema",
     [("s", K + "SetSchemaMetadata$Value", {"schema.name": "x.Y"})],
     [rec(env(struct([prim("int32", "id")], version=3, doc="the doc", params={"p": "v"}),
              {"id": 1})),
      rec(env({"type": "array", "items": prim("int32"), "optional": False}, [1]), offset=1)])

# An optional struct with a default of its own (a null payload reads as it)
# and one without, holding an optional Timestamp with a default.
EV_FIELDS = [prim("int32", "id"), prim("int64", "ts", True,
                                       name="org.apache.kafka.connect.data.Timestamp",
                                       version=1, default=1000)]
EV = struct(EV_FIELDS, optional=True, name="ev", version=2, doc="d",
            default={"id": 9, "ts": 86400000})
EV_NO_DEFAULT = struct(EV_FIELDS, optional=True, name="ev", version=2, doc="d")
EV_ROWS = [{"id": 1, "ts": 1709211909007}, {"id": 2, "ts": None}, None, {"id": 3, "ts": -1}]


def ev_records(rows=EV_ROWS):
    return [rec(env(s, p), offset=i)
            for i, (s, p) in enumerate([(EV, p) for p in rows] + [(EV_NO_DEFAULT, p)
                                                                   for p in rows])]


for target, keys in [("date", {"target.type": "Date"}), ("time", {"target.type": "Time"}),
                     ("unix", {"target.type": "unix", "unix.precision": "seconds"}),
                     ("string", {"target.type": "string", "format": "yyyy-MM-dd HH:mm"})]:
    case(f"timestamp_converter_defaults_{target}_schema",
         f"TimestampConverter$Value to {target} of an optional Timestamp with a default, "
         "in optional structs with and without a default",
         [("tc", K + "TimestampConverter$Value", dict({"field": "ts"}, **keys))], ev_records())
    case(f"timestamp_converter_no_default_{target}_schema",
         f"TimestampConverter$Value to {target} with replace.null.with.default=false",
         [("tc", K + "TimestampConverter$Value",
           dict({"field": "ts"}, **keys, **{"replace.null.with.default": "false"}))],
         ev_records([{"id": 2, "ts": None}]))
case("timestamp_converter_key_micros_schema",
     "TimestampConverter$Key of an int64 key in microseconds (before 1970, null)",
     [("tk", K + "TimestampConverter$Key", {"target.type": "Timestamp",
                                            "unix.precision": "microseconds"})],
     [rec(env(prim("string"), "x"), env(prim("int64", optional=True), k), offset=i)
      for i, k in enumerate([1709211909007999, -1999, None])])
case("timestamp_converter_parse_schema",
     "TimestampConverter$Value parses strings as SimpleDateFormat does (lenient: "
     "a leap second, a lower-case month, single digits)",
     [("tc", K + "TimestampConverter$Value", {"target.type": "Timestamp",
                                              "format": "dd/MMM/yyyy:HH:mm:ss Z"})],
     [rec(env(prim("string"), v), offset=i) for i, v in enumerate(
         ["29/Feb/2024:13:05:09 +0100", "31/Dec/1999:23:59:60 -0000",
          "1/jan/2024:1:2:3 +0000"])])
case("timestamp_router_format_schema",
     "TimestampRouter: the topic twice, quoted text, day and month names, the epoch",
     [("t", K + "TimestampRouter", {"topic.format": "${topic}_${timestamp}_${topic}",
                                    "timestamp.format": "yy-MM-dd'T'HH 'h' EEE MMM"})],
     [rec(env(prim("string"), "x"), ts=1709211909007),
      rec(env(prim("string"), "x"), ts=0, offset=1)])


def main():
    os.makedirs(OUT, exist_ok=True)
    names = set()
    for name, (props, records) in sorted(CASES.items()):
        names.add(name)
        with open(os.path.join(OUT, name + ".properties"), "w", encoding="utf-8") as f:
            f.write(props)
        with open(os.path.join(OUT, name + ".jsonl"), "w", encoding="utf-8") as f:
            for r in records:
                f.write(js(r) + "\n")
    for f in os.listdir(OUT):  # cases no longer generated
        base, ext = os.path.splitext(f)
        if ext in (".properties", ".jsonl") and base not in names:
            os.remove(os.path.join(OUT, f))
    print(f"{len(CASES)} cases in {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
