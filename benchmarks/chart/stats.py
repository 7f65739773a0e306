#!/usr/bin/env python3
"""Throughput ratios with confidence intervals from rounds.sh results.

    python3 benchmarks/chart/stats.py rounds-results [more dirs or .json files] [--md out.md] [--base chatnio-tls]

For each JDK, scenario and rival, a ratio is chatnio's score over the rival's in the SAME round (the two
trials ran minutes apart, in ABBA order); the table gives the number of rounds, the geometric mean of the
per-round ratios and its 95 % confidence interval (Student's t on the logarithms), and whether the target is
met, which requires the interval's LOWER bound to clear it. "best netty" is, per round, the better of the
Netty variants that ran. Targets (docs/benchmarks.md): 1:1 forwarding >= 1.3x the best Netty variant at 100
and 1000 pairs; fan-out >= 2x; >= 3x the blocking and virtual-thread servers at 1000 pairs; the IRC server
(--base chatnio-irc) >= 3x ngircd. Standard library only.
"""
import argparse
import glob
import json
import math
import os
import re
import statistics
from collections import defaultdict

# two-sided 95 % Student t quantiles by degrees of freedom
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
       11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
       20: 2.086, 25: 2.060, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}


def t95(df):
    return T95.get(df) or T95[min(k for k in T95 if k >= df)] if df <= 120 else 1.960


def load(paths):
    """(jdk, scenario) -> round -> impl -> score"""
    data = defaultdict(lambda: defaultdict(dict))
    files = []
    for p in paths:
        files += sorted(glob.glob(os.path.join(p, "*.json"))) if os.path.isdir(p) else [p]
    for path in files:
        m = re.search(r"round(\d+)", os.path.basename(path))
        if not m:
            continue
        try:
            with open(path, encoding="utf-8") as f:
                results = json.load(f)
        except ValueError:
            continue  # still running, or the trial failed: its log says why
        for r in results:
            params = dict(r.get("params", {}))
            impl = params.pop("impl")
            bench = r["benchmark"].split(".")[-2].replace("Benchmark", "")
            if not bench.startswith("Irc"):
                params.pop("window", None)  # one window in the seed scenarios; the IRC ones are run at two
            scenario = bench + " " + ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
            jdk = r.get("jdkVersion", "?")
            data[(jdk, scenario)][int(m.group(1))][impl] = float(r["primaryMetric"]["score"])
    return data


def target(scenario, rival, base="chatnio"):
    if base.endswith("-tls"):
        return 1.0 if rival.startswith("netty") else None
    if scenario.startswith("Fanout") and rival == "best netty":
        return 2.0
    if scenario.startswith("Forwarding") and rival == "best netty" and re.search(r"pairs=(100|1000)\b", scenario):
        return 1.3
    if rival in ("blocking", "virtual") and re.search(r"(pairs|members)=1000\b", scenario):
        return 3.0
    if rival == "ngircd":
        return 3.0
    return None


def summarize(ratios):
    logs = [math.log(x) for x in ratios]
    n = len(logs)
    mean = statistics.fmean(logs)
    if n < 2:
        return n, math.exp(mean), None, None
    half = t95(n - 1) * statistics.stdev(logs) / math.sqrt(n)
    return n, math.exp(mean), math.exp(mean - half), math.exp(mean + half)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--md", help="also write the tables to this file")
    ap.add_argument("--base", default="chatnio", help="the server the others are compared with (e.g. chatnio-tls)")
    args = ap.parse_args()
    base = args.base
    data = load(args.paths)
    lines = []
    for jdk in sorted({j for j, _ in data}):
        lines += [f"JDK {jdk}", "",
                  f"| scenario | {base} vs | rounds | ratio (geometric mean) | 95 % CI | target | met | {base} msg/s (median) |",
                  "| --- | --- | ---: | ---: | ---: | ---: | :---: | ---: |"]
        for (j, scenario), rounds in sorted(data.items(), key=lambda kv: natural(kv[0][1])):
            if j != jdk:
                continue
            rivals = sorted({i for r in rounds.values() for i in r if i != base})
            netties = [i for i in rivals if i.startswith("netty")]
            for rival in (["best netty"] if len(netties) > 1 else []) + rivals:
                ratios = []
                for scores in rounds.values():
                    if base not in scores:
                        continue
                    other = max((scores[i] for i in netties if i in scores), default=None) \
                        if rival == "best netty" else scores.get(rival)
                    if other:
                        ratios.append(scores[base] / other)
                if not ratios:
                    continue
                n, gm, lo, hi = summarize(ratios)
                goal = target(scenario, rival, base)
                met = "–" if goal is None or lo is None else ("yes" if lo >= goal else "no")
                ci = "–" if lo is None else f"{lo:.2f}–{hi:.2f}"
                own = statistics.median(s[base] for s in rounds.values() if base in s)
                lines.append(f"| {scenario} | {rival} | {n} | {gm:.2f}× | {ci} | "
                             f"{'–' if goal is None else f'{goal:g}×'} | {met} | {own / 1e6:.2f} M |")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.md:
        with open(args.md, "w", encoding="utf-8") as f:
            f.write(text + "\n")


def natural(s):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


if __name__ == "__main__":
    main()
