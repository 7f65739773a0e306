#!/usr/bin/env python3
"""Turns JMH JSON results (-rf json -rff results.json) into one SVG bar chart, and optionally a Markdown table.

    python3 benchmarks/chart/jmh_chart.py results.json [more.json ...] -o results.svg [--table results.md]

One panel per benchmark method. Within a panel, a scenario is one combination of the parameters other than the
implementation parameter (the first of impl, api, scan present); each scenario gets one bar per implementation, with
the score, its 99.9 % error when JMH reports one, and gc.alloc.rate.norm (B/op) when run with -prof gc. When the
files come from more than one JDK (e.g. the virtual-thread server run with -jvm on JDK 25), every implementation
is labelled with the JDK major version of its trial, e.g. "virtual (JDK 25)".
The table adds, per scenario, chatnio's advantage over each rival: score ratio for throughput modes (higher is
better), inverse ratio for time modes, so > 1 always means chatnio is better (in a panel without chatnio, the
first implementation stands in for it). Python 3 standard library only.
"""
import argparse
import html
import json
import math
from collections import OrderedDict

IMPL_KEYS = ("impl", "api", "scan")
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
FIXED = {"chatnio": PALETTE[0], "message": PALETTE[0], "netty": PALETTE[1], "netty-epoll": PALETTE[2],
         "netty-batched": PALETTE[5],
         "blocking": PALETTE[3], "blocking-naive": PALETTE[7], "virtual": PALETTE[4],
         "hashmap": PALETTE[1], "longmap": PALETTE[2], "send": PALETTE[1], "send-offloop": PALETTE[3],
         "index": PALETTE[0], "words": PALETTE[1]}
JDK_SUFFIX = " (JDK "
TIME_MODES = ("avgt", "sample", "ss")
BAR, GAP, LEFT, WIDTH = 16, 8, 130, 1000


def number(x):
    return float("nan") if x in (None, "NaN") else float(x)


def jdk_major(record):
    """The feature version of the JDK a trial ran on ("17" of "17.0.15"), from JMH's jdkVersion."""
    return str(record.get("jdkVersion", "?")).split(".")[0]


def load(paths):
    """{benchmark: {"mode", "unit", "scenarios": {scenario: {impl: (score, error, alloc)}}}} in file order."""
    panels = OrderedDict()
    records = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            records += json.load(f)
    jdks = {jdk_major(r) for r in records}
    for r in records:
        params = r.get("params", {})
        key = next((k for k in IMPL_KEYS if k in params), None)
        impl = params.get(key, "-") if key else "-"
        if len(jdks) > 1:
            impl += JDK_SUFFIX + jdk_major(r) + ")"
        scenario = ", ".join(f"{k}={v}" for k, v in params.items() if k != key) or "-"
        name = ".".join(r["benchmark"].split(".")[-2:])
        pm = r["primaryMetric"]
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        panel = panels.setdefault(name, {"mode": r["mode"], "unit": pm["scoreUnit"], "scenarios": OrderedDict()})
        panel["scenarios"].setdefault(scenario, OrderedDict())[impl] = (
            number(pm["score"]), number(pm.get("scoreError")), number(alloc))
    return panels


def fmt(v):
    if math.isnan(v):
        return "n/a"
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.2f} M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:,.0f} k"
    return f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"


def svg(panels):
    impls = list(OrderedDict.fromkeys(i for p in panels.values() for s in p["scenarios"].values() for i in s))
    colors = {i: FIXED.get(i.split(JDK_SUFFIX)[0], PALETTE[n % len(PALETTE)]) for n, i in enumerate(impls)}
    out, y = [], 20
    for name, p in panels.items():
        better = "lower is better" if p["mode"] in TIME_MODES else "higher is better"
        out.append(f'<text x="10" y="{y + 14}" font-size="15" font-weight="bold">{html.escape(name)}'
                   f' — {html.escape(p["unit"])} ({better})</text>')
        y += 28
        top = max((s + (e if not math.isnan(e) else 0)) for sc in p["scenarios"].values() for s, e, _ in sc.values())
        scale = (WIDTH - LEFT - 150) / top if top > 0 else 0
        for scenario, bars in p["scenarios"].items():
            out.append(f'<text x="20" y="{y + 12}" font-size="12" fill="#444">{html.escape(scenario)}</text>')
            y += BAR + 2
            for impl, (score, err, alloc) in bars.items():
                w = max(1.0, score * scale)
                out.append(f'<text x="{LEFT - 6}" y="{y + 12}" font-size="11" text-anchor="end">{html.escape(impl)}</text>')
                out.append(f'<rect x="{LEFT}" y="{y}" width="{w:.1f}" height="{BAR - 2}" fill="{colors[impl]}"/>')
                label = fmt(score) + ("" if math.isnan(err) else f" ± {fmt(err)}")
                label += "" if math.isnan(alloc) else f"  [{alloc:,.1f} B/op]"
                if not math.isnan(err):
                    x0, x1 = LEFT + max(0, score - err) * scale, LEFT + (score + err) * scale
                    out.append(f'<line x1="{x0:.1f}" x2="{x1:.1f}" y1="{y + 7}" y2="{y + 7}" stroke="black"/>')
                    w = max(w, x1 - LEFT)
                out.append(f'<text x="{LEFT + w + 5:.1f}" y="{y + 12}" font-size="11">{html.escape(label)}</text>')
                y += BAR
            y += GAP
        y += 14
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y}" font-family="sans-serif">'
            f'<rect width="100%" height="100%" fill="white"/>')
    return "\n".join([head] + out + ["</svg>\n"])


def table(panels, base="chatnio"):
    lines = []
    for name, p in panels.items():
        impls = list(OrderedDict.fromkeys(i for s in p["scenarios"].values() for i in s))
        b = next((i for i in impls if i.split(JDK_SUFFIX)[0] == base), impls[0])
        rivals = [i for i in impls if i != b]
        better = "lower is better" if p["mode"] in TIME_MODES else "higher is better"
        lines += [f"### {name} ({p['unit']}, {better})", "",
                  "| scenario | " + " | ".join(impls) + "".join(f" | {b} vs {r}" for r in rivals) + " |",
                  "| --- |" + " ---: |" * (len(impls) + len(rivals))]
        for scenario, bars in p["scenarios"].items():
            cells = []
            for i in impls:
                score, err, alloc = bars.get(i, (math.nan,) * 3)
                cell = fmt(score) + ("" if math.isnan(err) else f" ± {fmt(err)}")
                cells.append(cell + ("" if math.isnan(alloc) else f" ({alloc:,.1f} B/op)"))
            for r in rivals:
                c, o = bars.get(b, (math.nan,))[0], bars.get(r, (math.nan,))[0]
                ratio = (o / c if p["mode"] in TIME_MODES else c / o) if c and o else math.nan
                cells.append("n/a" if math.isnan(ratio) else f"{ratio:.2f}×")
            lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", help="JMH JSON result files")
    ap.add_argument("-o", "--output", default="results.svg", help="SVG file to write (default results.svg)")
    ap.add_argument("--table", help="also write a Markdown table with chatnio's ratios to this file")
    args = ap.parse_args()
    panels = load(args.results)
    if not panels:
        raise SystemExit("no results in " + ", ".join(args.results))
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(svg(panels))
    if args.table:
        with open(args.table, "w", encoding="utf-8") as f:
            f.write(table(panels))
    print(f"{args.output}: {sum(len(s) for p in panels.values() for s in p['scenarios'].values())} bars"
          f" in {len(panels)} panels" + (f"; {args.table}" if args.table else ""))


if __name__ == "__main__":
    main()
