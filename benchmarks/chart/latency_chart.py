#!/usr/bin/env python3
"""Turns LatencyMain's CSV (latency.csv) into one SVG bar chart, and optionally a Markdown table.

    python3 benchmarks/chart/latency_chart.py latency.csv [more.csv ...] -o latency.svg [--table latency.md]

One panel per statistic (p50, p99, p99.9, max of the delivery latency, microseconds, lower is better); within a
panel one group per offered rate, named by the rate and its label (for example "900,000 msg/s (75%)"), and one
bar per server with its value. The axis is logarithmic (latencies span microseconds to seconds), with a labelled
grid line per decade. A run that did not deliver every scheduled message (the server could not keep up, or the
drain ended first) is marked "incomplete": its percentiles leave out the missing messages, so they are lower
bounds. The left margin and the canvas width are computed from the labels, so no label is clipped.
Python 3 standard library only.
"""
import argparse
import csv
import html
import math
from collections import OrderedDict

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
FIXED = {"chatnio": PALETTE[0], "netty": PALETTE[1], "netty-epoll": PALETTE[2], "blocking": PALETTE[3],
         "netty-batched": PALETTE[4]}
STATS = [("p50_us", "p50"), ("p99_us", "p99"), ("p99_9_us", "p99.9"), ("max_us", "max")]
BAR, GAP, PLOT = 16, 10, 560
CHAR = 6.6  # generous width of one character at font-size 11, for margins


def load(paths):
    """{(offered, label): {impl: row}} in order of rising rate, rows as dicts of the CSV columns."""
    groups = {}
    for path in paths:
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                key = (int(row["offered_per_s"]), row["rate_label"])
                groups.setdefault(key, OrderedDict())[row["impl"]] = row
    return OrderedDict(sorted(groups.items()))


def group_name(key):
    offered, label = key
    name = f"{offered:,} msg/s"
    return name if label == str(offered) else f"{name} ({label})"


def complete(row):
    return row["sent"] == row["scheduled"] and row["received"] == row["scheduled"]


def fmt_us(v):
    if v >= 1e6:
        return f"{v / 1e6:,.2f} s"
    if v >= 1e3:
        return f"{v / 1e3:,.2f} ms"
    return f"{v:,.1f} µs"


def tick(v):
    """A decade as a short label: 10 µs, 100 µs, 1 ms, ..."""
    for unit, size in (("s", 1e6), ("ms", 1e3), ("µs", 1)):
        if v >= size:
            return f"{v / size:,.0f} {unit}"
    return f"{v:g} µs"


def value_label(row, column):
    text = fmt_us(float(row[column]))
    return text if complete(row) else text + " (incomplete)"


def svg(groups):
    impls = list(OrderedDict.fromkeys(i for g in groups.values() for i in g))
    colors = {i: FIXED.get(i, PALETTE[n % len(PALETTE)]) for n, i in enumerate(impls)}
    values = [float(r[c]) for g in groups.values() for r in g.values() for c, _ in STATS if float(r[c]) > 0]
    lo = 10 ** math.floor(math.log10(min(values))) if values else 1
    hi = 10 ** math.ceil(math.log10(max(values))) if values else 10
    hi = max(hi, lo * 10)
    decades = round(math.log10(hi / lo))
    left = 24 + CHAR * max(len(i) for i in impls)
    right = 12 + CHAR * max(len(value_label(r, c)) for g in groups.values() for r in g.values() for c, _ in STATS)
    width = math.ceil(left + PLOT + right)
    title_width = 20 + CHAR * max(len(group_name(k)) for k in groups)
    width = max(width, math.ceil(title_width), 640)

    def x(v):
        return left + PLOT * (math.log10(max(v, lo)) - math.log10(lo)) / decades

    out, y = [], 20
    for column, stat in STATS:
        out.append(f'<text x="10" y="{y + 14}" font-size="15" font-weight="bold">Delivery latency {stat}'
                   f' (µs, log scale, lower is better)</text>')
        y += 26
        top = y
        body = []
        for key, rows in groups.items():
            body.append(f'<text x="20" y="{y + 12}" font-size="12" fill="#444">{html.escape(group_name(key))}</text>')
            y += BAR + 2
            for impl, row in rows.items():
                v = float(row[column])
                end = x(v)
                body.append(f'<text x="{left - 6:.1f}" y="{y + 12}" font-size="11" text-anchor="end">'
                            f'{html.escape(impl)}</text>')
                body.append(f'<rect x="{left:.1f}" y="{y}" width="{max(1.0, end - left):.1f}" height="{BAR - 2}"'
                            f' fill="{colors[impl]}"' + ('' if complete(row) else ' fill-opacity="0.45"') + '/>')
                body.append(f'<text x="{max(end, left + 1) + 5:.1f}" y="{y + 12}" font-size="11">'
                            f'{html.escape(value_label(row, column))}</text>')
                y += BAR
            y += GAP
        for d in range(decades + 1):  # grid first, so the bars and labels are drawn over it
            v = lo * 10 ** d
            gx = x(v)
            out.append(f'<line x1="{gx:.1f}" x2="{gx:.1f}" y1="{top}" y2="{y}" stroke="#ddd"/>')
            out.append(f'<text x="{gx:.1f}" y="{y + 12}" font-size="10" fill="#666" text-anchor="middle">'
                       f'{html.escape(tick(v))}</text>')
        out += body
        y += 34
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" font-family="sans-serif">'
            f'<rect width="100%" height="100%" fill="white"/>')
    return "\n".join([head] + out + ["</svg>\n"])


def table(groups):
    lines = ["| offered rate | server | p50 | p99 | p99.9 | max | send lag p99 | complete |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | :---: |"]
    for key, rows in groups.items():
        for impl, r in rows.items():
            cells = [fmt_us(float(r[c])) for c, _ in STATS] + [fmt_us(float(r["send_lag_p99_us"]))]
            lines.append(f"| {group_name(key)} | {impl} | " + " | ".join(cells)
                         + f" | {'yes' if complete(r) else 'no'} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", help="CSV files written by LatencyMain")
    ap.add_argument("-o", "--output", default="latency.svg", help="SVG file to write (default latency.svg)")
    ap.add_argument("--table", help="also write a Markdown table to this file")
    args = ap.parse_args()
    groups = load(args.results)
    if not groups:
        raise SystemExit("no rows in " + ", ".join(args.results))
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(svg(groups))
    if args.table:
        with open(args.table, "w", encoding="utf-8") as f:
            f.write(table(groups))
    print(f"{args.output}: {len(groups)} rates x {len(STATS)} statistics" + (f"; {args.table}" if args.table else ""))


if __name__ == "__main__":
    main()
