#!/usr/bin/env python3
"""Turns bench/out/results.tsv into the results tables (printed, and written
into docs/benchmarks.md) and bench/out/throughput-KIND.png.

usage: report.py OUT_DIR DOC_FILE

OUT_DIR holds results.tsv (one row per measured run, see bench/lib.sh),
latency.tsv (optional: latency percentiles per run), workloads.tsv (kind,
name, description, limit, anchor per workload), machine.txt and
settings/WORKLOAD/ (the exact config files of the runs).

The document has one results section per kind of workload (file, postgres,
...) between the markers BEGIN_FMT / END_FMT; a run rewrites the sections of
the kinds it ran and leaves the others as they are, so kinds can be measured
separately."""
import csv
import os
import statistics
import subprocess
import sys

BEGIN_FMT = "<!-- BEGIN BENCH RESULTS: {} (bench/run.sh writes this part) -->"
END_FMT = "<!-- END BENCH RESULTS: {} -->"
CONTESTANTS = ("limit", "anchor", "anchor0", "sluice")
# The two runs of a workload's anchor (bench/lib.sh connect_worker): with
# sluice's client settings mirrored into its names, and with its own defaults.
ANCHORS = ("anchor", "anchor0")
ANCHOR_SETTINGS = {"anchor": "mirrored settings", "anchor0": "its defaults"}
# Directions whose load is paced (records/s is the load's rate, not a
# contestant's speed): left out of the chart.
PACED_DIRECTIONS = ("latency",)
# CPU seconds spent during a run by processes other than the contestant and
# the broker (the watcher and the harness use a few tenths) above which the
# run is reported as disturbed.
DISTURBED_CPU_S = 1.0
# What the latency table of a kind measures.
LATENCY_TEXT = {
    "postgres": "Commit to Kafka: the broker's append time of each change event "
                "(LogAppendTime topic) minus its transaction's commit time "
                "(`source.ts_ms`), in ms, over every event of a run at a paced load; "
                "**median** [min–max] over the runs.",
    "http": "Webhook request latency: from wrk sending a request to its answer, in ms "
            "(wrk's percentiles over every request of a run, at the load the connections "
            "make); sluice answers after Kafka acknowledged the record, the limit right "
            "after handing it to librdkafka; **median** [min–max] over the runs.",
}


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def metrics(r):
    """The per-run numbers of one results.tsv row."""
    n, start, done = int(r["records"]), float(r["start"]), float(r["done"])
    # No first-record time (a one-shot client timed to its exit): the rate
    # counts from the start.
    first = float(r["first"]) if r["first"] else None
    secs = done - (first if first is not None and done > first else start)
    return {
        "rps": n / secs,
        "mbps": int(r["payload_bytes"]) / secs / 1e6 if int(r["payload_bytes"]) else None,
        "cpu": float(r["user_s"]) + float(r["sys_s"]),
        "rss": int(r["maxrss_kb"]) / 1024,
        "first": first - start if first is not None else None,
        "total": done - start,
        "others": float(r.get("others_cpu_s") or 0),
    }


def summarize(runs):
    """median, min, max of each metric over the runs of one row."""
    out = {}
    for k in runs[0]:
        vals = [m[k] for m in runs if m[k] is not None]
        out[k] = (statistics.median(vals), min(vals), max(vals)) if vals else None
    return out


def fmt(v, kind):
    if kind == "rps":
        if v < 1e4:  # slow directions (a webhook answered after the ack)
            return f"{v:,.0f}" if v < 1000 else f"{v / 1000:,.1f}k"
        return f"{v / 1000:,.0f}k" if v < 1e7 else f"{v / 1e6:,.1f}M"
    if kind in ("mbps", "rss"):
        if v < 1:
            return f"{v:.2f}"
        return f"{v:,.1f}" if v < 100 else f"{v:,.0f}"
    if kind == "first":
        return f"{v * 1000:,.0f} ms" if v < 1 else f"{v:,.2f} s"
    if kind == "total":
        return f"{v:,.1f} s"
    return f"{v:,.2f}"


def cell(s, kind):
    if s[kind] is None:
        return "–"
    med, lo, hi = s[kind]
    return f"**{fmt(med, kind)}** [{fmt(lo, kind)}–{fmt(hi, kind)}]"


def label(w, c, d):
    """The name of contestant c in direction d: a workload's limit or anchor
    is one name, or "DIR: name; DIR: name" per direction; the anchor's two
    runs say which settings they had."""
    if c == "sluice":
        return "**sluice**"
    key = "anchor" if c in ANCHORS else c
    text = w.get(key, c)
    for part in text.split("; "):
        k, sep, v = part.partition(": ")
        if sep and k == d:
            text = v
            break
    if c in ANCHORS:
        text += f", {ANCHOR_SETTINGS[c]}"
    return text


def faster_anchor(stats, d):
    """The anchor run sluice is compared with: of the anchor's runs with
    mirrored settings and with its defaults, the one of more records/s
    (median); in a paced direction (records/s is the load's), the mirrored
    one. None when neither ran."""
    have = [c for c in ANCHORS if c in stats]
    if not have:
        return None
    if d in PACED_DIRECTIONS:
        return have[0]
    return max(have, key=lambda c: stats[c]["rps"][0])


def faster_text(stats, d, best):
    """Which anchor run the ratios use, and by how much it was the faster."""
    if best is None:
        return "–"
    text = ANCHOR_SETTINGS[best]
    other = [c for c in ANCHORS if c in stats and c != best]
    if other and d not in PACED_DIRECTIONS:
        o = stats[other[0]]["rps"][0]
        text += f" ({stats[best]['rps'][0] / o:.2f}× {ANCHOR_SETTINGS[other[0]]})"
    return text


def build(rows, wls):
    """The tables of one kind's rows: measurements, ratios, workloads, the
    chart's bars, disturbed and unclean runs."""
    groups = {}  # (workload, direction) -> contestant -> [metrics]
    exits = []  # runs that were measured but did not end cleanly
    for r in rows:
        if r["exit"] not in ("0", "143"):  # 143: a JVM stopped by SIGTERM
            exits.append(f"{r['workload']} {r['direction']} {r['contestant']} run {r['rep']} "
                         f"(exit {r['exit']})")
        groups.setdefault((r["workload"], r["direction"]), {}).setdefault(
            r["contestant"], []).append(metrics(r))
    lines = ["| workload | dir | contestant | records/s | MB/s | start → first record "
             "| start → done | CPU s | peak RSS MB | runs |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    disturbed = []
    ratios = ["| workload | dir | records/s sluice/limit | anchor compared (the faster) "
              "| records/s sluice/anchor | CPU s sluice/anchor | peak RSS sluice/anchor |",
              "|---|---|---|---|---|---|---|"]
    plot = []
    for (wl, d), by in groups.items():
        w = wls.get(wl, {})
        stats = {c: summarize(by[c]) for c in CONTESTANTS if c in by}
        for c in CONTESTANTS:
            if c not in stats:
                continue
            s = stats[c]
            lines.append(f"| {wl} | {d} | {label(w, c, d)} | {cell(s, 'rps')} | {cell(s, 'mbps')} | "
                         f"{cell(s, 'first')} | {cell(s, 'total')} | {cell(s, 'cpu')} | "
                         f"{cell(s, 'rss')} | {len(by[c])} |")
            for i, m in enumerate(by[c]):
                if m["others"] > DISTURBED_CPU_S:
                    disturbed.append(f"{wl} {d} {c} run {i + 1}: {m['others']:.1f} CPU s")
        if "sluice" in stats:
            sl = stats["sluice"]
            best = faster_anchor(stats, d)

            def ratio(c, k, pct=False):
                if c not in stats or (k == "rps" and d in PACED_DIRECTIONS):
                    return "–"
                v = sl[k][0] / stats[c][k][0]
                return f"{v * 100:.0f} %" if pct else f"{v:.2f}×"
            ratios.append(f"| {wl} | {d} | {ratio('limit', 'rps', True)} | "
                          f"{faster_text(stats, d, best)} | "
                          f"{ratio(best, 'rps')} | {ratio(best, 'cpu')} | "
                          f"{ratio(best, 'rss')} |")
        if d not in PACED_DIRECTIONS:
            plot.append((f"{wl}\\n{d}",
                         [stats.get(c, {}).get("rps", (0, 0, 0)) for c in CONTESTANTS]))
    desc = ["| workload | input | limit | anchor |", "|---|---|---|---|"]
    for name, w in wls.items():
        desc.append(f"| {name} | {w['description']} | {w['limit']} | {w['anchor']} |")
    return lines, ratios, desc, plot, disturbed, exits


def fmt_ms(v):
    """Milliseconds: whole above 10, else with the decimals that matter."""
    return f"{v:.0f}" if v >= 10 else f"{v:.1f}" if v >= 1 else f"{v:.2f}"


def latency_table(rows, wls):
    """The latency percentiles (latency.tsv rows of one kind) as a table."""
    by = {}
    for r in rows:
        by.setdefault((r["workload"], r["direction"], r["contestant"]), []).append(
            {k: float(r[k]) for k in ("p50_ms", "p99_ms", "max_ms")})
    if not by:
        return []
    out = ["| workload | dir | contestant | p50 ms | p99 ms | max ms | runs |",
           "|---|---|---|---|---|---|---|"]
    for (wl, d, c), runs in by.items():
        cells = []
        for k in ("p50_ms", "p99_ms", "max_ms"):
            vals = [m[k] for m in runs]
            cells.append(f"**{fmt_ms(statistics.median(vals))}** "
                         f"[{fmt_ms(min(vals))}–{fmt_ms(max(vals))}]")
        out.append(f"| {wl} | {d} | {label(wls.get(wl, {}), c, d)} | {' | '.join(cells)} "
                   f"| {len(runs)} |")
    return out


def draw(out_dir, kind, plot):
    dat = os.path.join(out_dir, f"throughput-{kind}.dat")
    with open(dat, "w") as f:
        for label, vals in plot:
            cols = " ".join(f"{m / 1e3:.1f} {lo / 1e3:.1f} {hi / 1e3:.1f}" for m, lo, hi in vals)
            f.write(f'"{label}" {cols}\n')
    png = os.path.join(out_dir, f"throughput-{kind}.png")
    script = f"""
set terminal pngcairo size 1100,520 font ",10"
set output "{png}"
set title "{kind}: records per second (median of runs, bars show min–max)"
set ylabel "thousand records/s"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set yrange [0:*]
set xrange [-0.6:{len(plot) - 0.4}]
set bmargin 4
set grid ytics
set key outside top center horizontal
set xtics nomirror
plot "{dat}" using 2:3:4:xtic(1) title "limit" lc rgb "#999999", \\
     "" using 5:6:7 title "anchor, mirrored settings" lc rgb "#e07b39", \\
     "" using 8:9:10 title "anchor, its defaults" lc rgb "#f2c14e", \\
     "" using 11:12:13 title "sluice" lc rgb "#3b75af"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return png


def settings_text(out_dir, names):
    """The config files kept for the given workloads (settings/WORKLOAD/)."""
    out = []
    for wl in names:
        d = os.path.join(out_dir, "settings", wl)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name)) as f:
                out.append(f"`{wl}/{name}`:\n\n```\n{f.read().strip()}\n```\n")
    return out


def section(out_dir, kind, rows, lat_rows, wls, machine):
    """The text of one kind's results section, with its markers."""
    lines, ratios, desc, plot, disturbed, exits = build(rows, wls)
    two_anchors = ""
    if any(r["contestant"] == "anchor0" for r in rows):
        two_anchors = (" The anchor runs twice: with sluice's client settings mirrored "
                       "into its own names (\"mirrored settings\") and with nothing but "
                       "what its worker file must hold (\"its defaults\"); the ratios "
                       "compare sluice with the faster of the two by median records/s.")
    if disturbed:
        note = (f"**Disturbed runs** (other processes, not the contestant, the broker or "
                f"the database, used more than {DISTURBED_CPU_S:.0f} CPU s while they ran; "
                f"their numbers are less trustworthy): " + "; ".join(disturbed) + ".")
    else:
        note = (f"No run was disturbed: no process besides the contestant, the broker and "
                f"the database used more than {DISTURBED_CPU_S:.0f} CPU s during any run.")
    if exits:
        note += (" Measured, but stopped with SIGKILL after ignoring SIGTERM for 20 s "
                 "(their CPU and RSS still count): " + "; ".join(exits) + ".")
    lat = latency_table(lat_rows, wls)
    if lat:
        lat = ["#### Latency", "", LATENCY_TEXT.get(kind, LATENCY_TEXT["postgres"]), "",
               *lat, ""]
    print("\n".join(lines + ["", note, ""] + ratios + [""] + lat))
    try:
        print(f"chart: {draw(out_dir, kind, plot)}")
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"report.py: no chart: {e}", file=sys.stderr)
    return "\n".join([
        BEGIN_FMT.format(kind), "", machine, "", "#### Workloads", "", *desc, "",
        "#### Measurements", "",
        "Each cell: **median** [min–max] over the runs. records/s and MB/s are "
        "counted from the first record to the last (startup is its own column; "
        "where it is –, the contestant is timed from its start to its exit); "
        "MB/s counts record payload bytes; start → done is the whole time from "
        "starting the process to the last record. CPU s (user + sys) and peak RSS are "
        "the contestant's whole process, from start to stop (not the broker's or the "
        "database's)." + two_anchors, "",
        *lines, "", note, "", "#### Ratios (of the medians)", "", *ratios, "", *lat,
        "#### The exact settings of this run", "",
        "From the last run of each kind. The limit takes no config file (its "
        "settings are listed above).", "",
        *settings_text(out_dir, [w for w in wls]), END_FMT.format(kind),
    ])


def replace_section(text, kind, part):
    begin, end = BEGIN_FMT.format(kind), END_FMT.format(kind)
    if begin not in text or end not in text:
        return text.rstrip("\n") + f"\n\n## Results: {kind}\n\n{part}\n"
    head, rest = text.split(begin, 1)
    return head + part + rest.split(end, 1)[1]


def main():
    out_dir, doc = sys.argv[1], sys.argv[2]
    rows = read_tsv(os.path.join(out_dir, "results.tsv"))
    lat_path = os.path.join(out_dir, "latency.tsv")
    lat_rows = read_tsv(lat_path) if os.path.exists(lat_path) else []
    wls = {w["name"]: w for w in read_tsv(os.path.join(out_dir, "workloads.tsv"))}
    machine = open(os.path.join(out_dir, "machine.txt")).read().strip()
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    for kind in dict.fromkeys(w["kind"] for w in wls.values()):
        names = {n: w for n, w in wls.items() if w["kind"] == kind}
        part = section(out_dir, kind, [r for r in rows if r["workload"] in names],
                       [r for r in lat_rows if r["workload"] in names], names, machine)
        text = replace_section(text, kind, part)
    with open(doc, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
