#!/usr/bin/env python3
"""Proves the connector boundary: a connector's sources compile with the
public headers (core/include/sluice), their own folder and their own
libraries only. For one source file of every connector family in the
build's compile_commands.json, a probe including the public headers must
compile with that file's exact command, and a probe including any private
core header (core/*.h) must not. Prints one line per check and the closing
"N passed, N failed"."""
import glob
import json
import os
import shlex
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build")
commands = json.load(open(os.path.join(build, "compile_commands.json")))
families = {}
for c in commands:
    rel = os.path.relpath(c["file"], root)
    parts = rel.split(os.sep)
    if parts[0] == "connectors" and len(parts) == 3:
        families.setdefault(parts[1], c)
public = sorted(os.path.basename(h) for h in glob.glob(os.path.join(root, "core/include/sluice/*.h")))
private = sorted(os.path.basename(h) for h in glob.glob(os.path.join(root, "core/*.h")))
passed = failed = 0


def compiles(entry, text, tmp):
    probe = os.path.join(tmp, "probe.c")
    with open(probe, "w") as f:
        f.write(text + "\nint sl_probe_symbol;\n")
    args = shlex.split(entry["command"])
    out = args.index("-o")
    args[out + 1] = os.path.join(tmp, "probe.o")
    args[args.index("-c") + 1] = probe
    r = subprocess.run(args, cwd=entry["directory"], capture_output=True, text=True)
    return r.returncode == 0, r.stderr


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("PASS: " + name)
    else:
        failed += 1
        print("FAIL: " + name + (("\n" + detail) if detail else ""))


if not families:
    check("the build has connector families", False, "no connectors/*/*.c in compile_commands.json")
with tempfile.TemporaryDirectory() as tmp:
    for family, entry in sorted(families.items()):
        text = "".join('#include "sluice/%s"\n' % h for h in public)
        ok, err = compiles(entry, text, tmp)
        check("%s: a connector file including every public header builds" % family, ok, err)
        for h in private:
            ok, _ = compiles(entry, '#include "%s"\n' % h, tmp)
            check("%s: a connector file including private core/%s does not build" % (family, h),
                  not ok)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
