#!/usr/bin/env python3
"""New/old throughput ratios from compare_builds.sh: per scenario and ABBA block, the ratio of each adjacent
old/new pair of trials (slots 1-2 and 4-3), then their geometric mean and its 95 % confidence interval
(Student's t on the logarithms, as stats.py). Above 1: NEW delivered more; an interval that contains 1
finds no difference.

    python3 benchmarks/chart/compare_builds.py compare-results/*.json

Python 3 standard library only.
"""
import json
import math
import re
import statistics
import sys
from collections import defaultdict

# two-sided 95 % Student t quantiles by degrees of freedom (beyond 30: the normal's)
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
       11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
       20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048,
       29: 2.045, 30: 2.042}


def main():
    trials = defaultdict(dict)  # (scenario, block) -> slot -> score
    for path in sys.argv[1:]:
        m = re.search(r"block(\d+)-(\d)-(old|new)-(\w+?)-(.*)\.json$", path)
        if not m:
            continue
        try:
            with open(path, encoding="utf-8") as f:
                result = json.load(f)[0]
        except (ValueError, IndexError):
            print(f"skipping {path}: no complete result", file=sys.stderr)
            continue
        params = {k: v for k, v in result["params"].items() if k not in ("impl", "window")}
        scenario = m.group(4) + " " + ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
        trials[(scenario, int(m.group(1)))][int(m.group(2))] = result["primaryMetric"]["score"]
    ratios = defaultdict(list)
    for (scenario, _), slots in sorted(trials.items()):
        for old, new in ((1, 2), (4, 3)):
            if old in slots and new in slots:
                ratios[scenario].append(slots[new] / slots[old])
    print("| scenario | new/old per pair | geometric mean | 95 % CI |")
    print("|---|---|---:|---:|")
    for scenario, rs in ratios.items():
        logs = [math.log(r) for r in rs]
        mean = statistics.fmean(logs)
        ci = "–"
        if len(logs) > 1:
            half = T95.get(len(logs) - 1, 1.96) * statistics.stdev(logs) / math.sqrt(len(logs))
            ci = f"{math.exp(mean - half):.3f}–{math.exp(mean + half):.3f}"
        print(f"| {scenario} | {' / '.join(f'{r:.3f}' for r in rs)} | {math.exp(mean):.3f} | {ci} |")


if __name__ == "__main__":
    main()
