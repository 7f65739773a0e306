#!/usr/bin/env python3
"""Per-scenario chatnio/netty ratios from paired rounds (see paired_rounds.sh): one JMH JSON file per scenario
and round, holding the chatnio and netty trials run back to back.

    python3 benchmarks/chart/ratios.py paired-results/*.json [--md ratios.md]

Prints a Markdown table: per scenario, each round's ratio (chatnio score / netty score, throughput: above 1
means chatnio delivered more), their median and minimum, and the median score of each side. A ratio is only
ever taken between two trials of the same file, never across rounds. Python 3 standard library only.
"""
import argparse
import json
import re
import statistics
import sys
from collections import OrderedDict


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--md", help="also write the table to this file")
    args = ap.parse_args()
    rows = OrderedDict()  # scenario -> list of (round, ratio, chatnio, netty)
    for path in sorted(args.files, key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p)]):
        try:
            with open(path, encoding="utf-8") as f:
                results = json.load(f)
        except ValueError:
            print(f"skipping {path}: not a complete JMH JSON file (still running?)", file=sys.stderr)
            continue
        by_scenario = OrderedDict()
        for r in results:
            params = dict(r.get("params", {}))
            impl = params.pop("impl", None)
            name = r["benchmark"].split(".")[-2]
            scenario = name + " " + ", ".join(f"{k}={v}" for k, v in params.items() if k != "window")
            by_scenario.setdefault(scenario, {})[impl] = float(r["primaryMetric"]["score"])
        m = re.search(r"round(\d+)", path)
        rnd = int(m.group(1)) if m else len(rows) + 1
        for scenario, scores in by_scenario.items():
            if "chatnio" in scores and "netty" in scores:
                rows.setdefault(scenario, []).append((rnd, scores["chatnio"] / scores["netty"],
                                                      scores["chatnio"], scores["netty"]))
    rounds = sorted({r for v in rows.values() for r, *_ in v})
    lines = ["| scenario | " + " | ".join(f"round {r}" for r in rounds)
             + " | median | min | chatnio (median) | netty (median) |",
             "| --- | " + " | ".join("---:" for _ in rounds) + " | ---: | ---: | ---: | ---: |"]
    for scenario, v in rows.items():
        by_round = {r: ratio for r, ratio, *_ in v}
        ratios = [ratio for _, ratio, *_ in v]
        lines.append(f"| {scenario} | " + " | ".join(f"{by_round[r]:.2f}×" if r in by_round else "–" for r in rounds)
                     + f" | **{statistics.median(ratios):.2f}×** | {min(ratios):.2f}× "
                     + f"| {statistics.median(c for *_, c, _ in v) / 1e6:.2f} M | {statistics.median(n for *_, n in v) / 1e6:.2f} M |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.md:
        with open(args.md, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
