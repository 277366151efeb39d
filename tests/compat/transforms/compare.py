#!/usr/bin/env python3
"""Compares one case's output lines, Kafka Connect's (TransformRef) against
sluice's (`sluice transform`), for tests/e2e/transforms_compat_e2e.sh.

  compare.py CASE REF_OUT SLUICE_OUT KNOWN_FILE

Line N of each side is the result of input record N. Two lines agree when
they carry the same record: the same topic, partition, timestamp, and key,
value and header bytes (compared as text, exactly; the JSON framing of the
line itself is not compared byte for byte), or when both are
{"error": ...} (the record failed on both sides; the messages are Java's
and sluice's own words, shown but not compared unless
TRANSFORMS_COMPAT_STRICT_ERRORS=1).

A line that differs but is listed in KNOWN_FILE as "CASE:N reason" (or
"CASE:* reason" for every line of the case) is a known difference. So is a
line whose key, value or header bytes differ only in the order of JSON
object keys (numbers and strings compared as written) when KNOWN_FILE lists
"CASE:keyorder reason" or "*:keyorder reason".

Prints "ok", "ok, N known" or, for the first line that differs and is not
known, both sides from a little before where they part; exit status 0 when
every line agrees or is known, 1 otherwise.
"""
import json
import os
import re
import sys

STRICT_ERRORS = os.environ.get("TRANSFORMS_COMPAT_STRICT_ERRORS") == "1"
SHOW = 400  # characters of each side shown around a difference


def load_known(path):
    """{(case, line or "*"): reason} from the known-differences file."""
    known = {}
    if not os.path.exists(path):
        return known
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            ident, _, reason = line.partition(" ")
            case, sep, which = ident.rpartition(":")
            if not sep or not case or not reason.strip():
                sys.exit(f"{path}:{n}: expected 'CASE:LINE reason', got {line!r}")
            known[(case, which)] = reason.strip()
    return known


def read_lines(path):
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            # split on \n only: splitlines() would also split at U+2028
            # and other characters a JSON string may hold unescaped
            text = f.read()
    except FileNotFoundError:
        return []
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def error_of(line):
    """The message of an {"error": ...} line, else None."""
    if not line.startswith('{"error"'):
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if isinstance(obj, dict) and list(obj) == ["error"]:
        return str(obj["error"])
    return None


def frame(line):
    """A result line as a dict, or None when it is not a JSON object."""
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


# sluice names the failing transform before the message:
# "transforms.<alias> (<Type>): <message>".
CHAIN_PREFIX = re.compile(r"^transforms\.[^ ]+ \([^)]*\): ")


def agree(ref, ours):
    if ref == ours:
        return True
    if ref is None or ours is None:
        return False
    ref_err, our_err = error_of(ref), error_of(ours)
    if ref_err is not None and our_err is not None:
        return not STRICT_ERRORS or ref_err == CHAIN_PREFIX.sub("", our_err)
    a, b = frame(ref), frame(ours)
    return a is not None and a == b


class Num(str):
    """A JSON number kept as written (1.0 and 1 stay different)."""


# A JSON string token as written (escapes kept).
STRING_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"')


def canonical(text):
    """JSON text with every object's keys sorted and numbers as written,
    plus its string tokens as written (sorted: escapes count, order does
    not) and its characters; the text itself when it is not JSON."""
    if not isinstance(text, str):
        return text
    try:
        v = json.loads(text, parse_float=Num, parse_int=Num,
                       object_pairs_hook=lambda kv: ("{}", sorted(kv)))
    except (ValueError, RecursionError):
        return text
    # Reordering keys keeps every character: the sorted characters catch a
    # difference in whitespace ("[1, 2]" and "[1,2]") the parse hides.
    return repr(v) + repr(sorted(STRING_TOKEN.findall(text))) + "".join(sorted(text))


def same_but_key_order(ref, ours):
    """True when two result lines differ only in the key order of JSON
    objects inside their key, value or header bytes."""
    a, b = frame(ref or ""), frame(ours or "")
    if a is None or b is None or a.keys() != b.keys() or "headers" not in a:
        return False
    for k in a:
        if k == "headers":
            ha, hb = a[k], b[k]
            if not isinstance(ha, list) or not isinstance(hb, list) or len(ha) != len(hb):
                return False
            for x, y in zip(ha, hb):
                if not isinstance(x, dict) or not isinstance(y, dict):
                    return False
                if x.get("key") != y.get("key") or canonical(x.get("value")) != canonical(
                        y.get("value")):
                    return False
        elif k in ("key", "value"):
            if canonical(a[k]) != canonical(b[k]):
                return False
        elif a[k] != b[k]:
            return False
    return True


def excerpt(line, at):
    """The line from a little before column at, cut to SHOW characters."""
    if line is None:
        return "(no line)"
    start = max(0, at - 80)
    text = line[start:start + SHOW]
    return ("..." if start else "") + text + ("..." if start + SHOW < len(line) else "")


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    case, ref_path, ours_path, known_path = sys.argv[1:]
    known = load_known(known_path)
    ref, ours = read_lines(ref_path), read_lines(ours_path)
    n_known, n_diff, first = 0, 0, None
    errors_shown = 0
    for i in range(max(len(ref), len(ours))):
        r = ref[i] if i < len(ref) else None
        o = ours[i] if i < len(ours) else None
        if agree(r, o):
            if r != o and errors_shown < 3:
                errors_shown += 1
                print(f"  line {i + 1}: both fail: Kafka Connect: {error_of(r)}")
                print(f"  {' ' * len(str(i + 1))}                 sluice: {error_of(o)}")
            continue
        reason = known.get((case, str(i + 1))) or known.get((case, "*"))
        if not reason and same_but_key_order(r, o):
            reason = known.get((case, "keyorder")) or known.get(("*", "keyorder"))
        if reason:
            n_known += 1
            continue
        n_diff += 1
        if first is None:
            first = (i, r, o)
    for (c, which), reason in sorted(known.items()):
        if c == case and which.isdigit():
            i = int(which) - 1
            r = ref[i] if i < len(ref) else None
            o = ours[i] if i < len(ours) else None
            if agree(r, o):
                print(f"  note: {case}:{which} is listed as known but agrees now")
    if first is None:
        print("ok" if not n_known else f"ok, {n_known} known")
        return 0
    i, r, o = first
    at = 0
    if r is not None and o is not None:
        while at < min(len(r), len(o)) and r[at] == o[at]:
            at += 1
    print(f"{n_diff} line(s) differ, the first is line {i + 1} (from column {at + 1}; "
          f"{len(ref)} lines from Kafka Connect, {len(ours)} from sluice"
          f"{f', {n_known} known' if n_known else ''}):")
    print(f"  Kafka Connect: {excerpt(r, at)}")
    print(f"  sluice:        {excerpt(o, at)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
