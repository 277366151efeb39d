#!/usr/bin/env python3
"""Turns bench/out/results.tsv into the results table (printed, and written
into docs/benchmarks.md between its markers) and bench/out/throughput.png.

usage: report.py OUT_DIR DOC_FILE

OUT_DIR holds results.tsv (one row per measured run, see bench/lib.sh),
workloads.tsv (name, description, limit, anchor per workload), machine.txt
and settings/ (the exact config files of the runs)."""
import csv
import os
import statistics
import subprocess
import sys

BEGIN = "<!-- BEGIN BENCH RESULTS (bench/run.sh writes this part) -->"
END = "<!-- END BENCH RESULTS -->"
CONTESTANTS = ("limit", "anchor", "sluice")
# CPU seconds spent during a run by processes other than the contestant and
# the broker (the watcher and the harness use a few tenths) above which the
# run is reported as disturbed.
DISTURBED_CPU_S = 1.0


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def metrics(r):
    """The per-run numbers of one results.tsv row."""
    n, start, first, done = int(r["records"]), float(r["start"]), float(r["first"]), float(r["done"])
    secs = done - first
    return {
        "rps": n / secs,
        "mbps": int(r["payload_bytes"]) / secs / 1e6,
        "cpu": float(r["user_s"]) + float(r["sys_s"]),
        "rss": int(r["maxrss_kb"]) / 1024,
        "first": first - start,
        "total": done - start,
        "others": float(r.get("others_cpu_s") or 0),
    }


def summarize(runs):
    """median, min, max of each metric over the runs of one row."""
    out = {}
    for k in runs[0]:
        vals = [m[k] for m in runs]
        out[k] = (statistics.median(vals), min(vals), max(vals))
    return out


def fmt(v, kind):
    if kind == "rps":
        return f"{v / 1000:,.0f}k" if v < 1e7 else f"{v / 1e6:,.1f}M"
    if kind in ("mbps", "rss"):
        return f"{v:,.1f}" if v < 100 else f"{v:,.0f}"
    if kind == "first":
        return f"{v * 1000:,.0f} ms" if v < 1 else f"{v:,.2f} s"
    if kind == "total":
        return f"{v:,.1f} s"
    return f"{v:,.2f}"


def cell(s, kind):
    med, lo, hi = s[kind]
    return f"**{fmt(med, kind)}** [{fmt(lo, kind)}–{fmt(hi, kind)}]"


def build(out_dir):
    rows = read_tsv(os.path.join(out_dir, "results.tsv"))
    wls = {w["name"]: w for w in read_tsv(os.path.join(out_dir, "workloads.tsv"))}
    groups = {}  # (workload, direction) -> contestant -> [metrics]
    exits = []  # runs that were measured but did not end cleanly
    for r in rows:
        if r["exit"] not in ("0", "143"):  # 143: a JVM stopped by SIGTERM
            exits.append(f"{r['workload']} {r['direction']} {r['contestant']} run {r['rep']} "
                         f"(exit {r['exit']})")
        groups.setdefault((r["workload"], r["direction"]), {}).setdefault(
            r["contestant"], []).append(metrics(r))
    lines = []
    lines.append("| workload | dir | contestant | records/s | MB/s | start → first record "
                 "| start → done | CPU s | peak RSS MB | runs |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    disturbed = []
    ratios = ["| workload | dir | records/s sluice/limit | records/s sluice/Kafka Connect "
              "| CPU s sluice/Kafka Connect | peak RSS sluice/Kafka Connect |",
              "|---|---|---|---|---|---|"]
    plot = []
    for (wl, d), by in groups.items():
        w = wls.get(wl, {})
        stats = {c: summarize(by[c]) for c in CONTESTANTS if c in by}
        for c in CONTESTANTS:
            if c not in stats:
                continue
            label = {"limit": w.get("limit", "limit"), "anchor": w.get("anchor", "anchor"),
                     "sluice": "**sluice**"}[c]
            s = stats[c]
            lines.append(f"| {wl} | {d} | {label} | {cell(s, 'rps')} | {cell(s, 'mbps')} | "
                         f"{cell(s, 'first')} | {cell(s, 'total')} | {cell(s, 'cpu')} | "
                         f"{cell(s, 'rss')} | {len(by[c])} |")
            for i, m in enumerate(by[c]):
                if m["others"] > DISTURBED_CPU_S:
                    disturbed.append(f"{wl} {d} {c} run {i + 1}: {m['others']:.1f} CPU s")
        if "sluice" in stats:
            sl = stats["sluice"]

            def ratio(c, k, pct=False):
                if c not in stats:
                    return "–"
                v = sl[k][0] / stats[c][k][0]
                return f"{v * 100:.0f} %" if pct else f"{v:.2f}×"
            ratios.append(f"| {wl} | {d} | {ratio('limit', 'rps', True)} | "
                          f"{ratio('anchor', 'rps')} | {ratio('anchor', 'cpu')} | "
                          f"{ratio('anchor', 'rss')} |")
        plot.append((f"{wl}\\n{d}", [stats.get(c, {}).get("rps", (0, 0, 0)) for c in CONTESTANTS]))
    desc = ["| workload | input | limit | anchor |", "|---|---|---|---|"]
    for name, w in wls.items():
        desc.append(f"| {name} | {w['description']} | {w['limit']} | {w['anchor']} |")
    return lines, ratios, desc, plot, disturbed, exits


def draw(out_dir, plot):
    dat = os.path.join(out_dir, "throughput.dat")
    with open(dat, "w") as f:
        for label, vals in plot:
            cols = " ".join(f"{m / 1e3:.1f} {lo / 1e3:.1f} {hi / 1e3:.1f}" for m, lo, hi in vals)
            f.write(f'"{label}" {cols}\n')
    png = os.path.join(out_dir, "throughput.png")
    script = f"""
set terminal pngcairo size 1100,520 font ",10"
set output "{png}"
set title "Records per second (median of runs, bars show min–max)"
set ylabel "thousand records/s"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set yrange [0:*]
set xrange [-0.6:{len(plot) - 0.4}]
set bmargin 4
set grid ytics
set key top right
set xtics nomirror
plot "{dat}" using 2:3:4:xtic(1) title "librdkafka limit" lc rgb "#999999", \\
     "" using 5:6:7 title "Kafka Connect" lc rgb "#e07b39", \\
     "" using 8:9:10 title "sluice" lc rgb "#3b75af"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return png


def main():
    out_dir, doc = sys.argv[1], sys.argv[2]
    lines, ratios, desc, plot, disturbed, exits = build(out_dir)
    if disturbed:
        note = (f"**Disturbed runs** (other processes, not the contestant or the broker, "
                f"used more than {DISTURBED_CPU_S:.0f} CPU s while they ran; their numbers are "
                f"less trustworthy): " + "; ".join(disturbed) + ".")
    else:
        note = (f"No run was disturbed: no process besides the contestant and the broker "
                f"used more than {DISTURBED_CPU_S:.0f} CPU s during any run.")
    if exits:
        note += (" Measured, but stopped with SIGKILL after ignoring SIGTERM for 20 s "
                 "(their CPU and RSS still count): " + "; ".join(exits) + ".")
    machine = open(os.path.join(out_dir, "machine.txt")).read().strip()
    settings_dir = os.path.join(out_dir, "settings")
    settings = []
    for name in sorted(os.listdir(settings_dir)):
        with open(os.path.join(settings_dir, name)) as f:
            settings.append(f"`{name}`:\n\n```\n{f.read().strip()}\n```\n")
    part = "\n".join([
        BEGIN, "", machine, "", "### Workloads", "", *desc, "",
        "### Measurements", "",
        "Each cell: **median** [min–max] over the runs. records/s and MB/s are "
        "counted from the first record to the last (startup is its own column); "
        "MB/s counts record payload bytes; start → done is the whole time from "
        "starting the process to the last record. CPU s (user + sys) and peak RSS are "
        "the contestant's whole process, from start to stop.", "",
        *lines, "", note, "", "### Ratios (of the medians)", "", *ratios, "",
        "### The exact settings of this run", "",
        "From the last run of each kind. Kafka Connect ran the same connector files "
        "(under its own connector names); the limit takes no config file (its "
        "settings are sluice's client defaults, listed above).", "",
        *settings, END,
    ])
    print("\n".join(lines))
    print()
    print(note)
    print()
    print("\n".join(ratios))
    if os.path.exists(doc):
        text = open(doc).read()
    else:
        text = f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        sys.exit(f"report.py: {doc} lacks the markers {BEGIN} / {END}")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(doc, "w") as f:
        f.write(head + part + tail)
    try:
        print(f"chart: {draw(out_dir, plot)}")
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"report.py: no chart: {e}", file=sys.stderr)


if __name__ == "__main__":
    main()
