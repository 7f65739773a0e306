#!/usr/bin/env python3
"""New/old throughput ratios from compare_builds.sh: per scenario and ABBA block, the ratio of each adjacent
old/new pair of trials (slots 1-2 and 4-3), then their geometric mean and range. Above 1: NEW delivered more.

    python3 benchmarks/chart/compare_builds.py compare-results/*.json

Python 3 standard library only.
"""
import json
import math
import re
import sys
from collections import defaultdict


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
    print("| scenario | new/old per pair | geometric mean |")
    print("|---|---|---:|")
    for scenario, rs in ratios.items():
        gm = math.exp(sum(math.log(r) for r in rs) / len(rs))
        print(f"| {scenario} | {' / '.join(f'{r:.3f}' for r in rs)} | {gm:.3f} |")


if __name__ == "__main__":
    main()
