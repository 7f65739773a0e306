#!/usr/bin/env bash
# Ratios that hold up on a noisy machine: for each target scenario, the chatnio and netty trials run back to
# back in one JMH invocation, and the whole set is repeated ROUNDS times with the order of the two swapped
# every round. A slow spell of the machine then hits both sides of a ratio, or shows up as one odd round.
#
#   benchmarks/chart/paired_rounds.sh [ROUNDS] [OUT_DIR]     (default 3 rounds into paired-results/)
#   python3 benchmarks/chart/ratios.py paired-results/*.json
#
# About 5.5 minutes per round (16 trials of 5 x 2 s warm-up and 5 x 2 s measurement).
set -euo pipefail
rounds=${1:-3}
out=${2:-paired-results}
jar=${JAR:-benchmarks/target/benchmarks.jar}
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
    if (( round % 2 )); then order=chatnio,netty; else order=netty,chatnio; fi
    for pairs in 100 1000; do
        for payload in 64 1024; do
            java -jar "$jar" ForwardingBenchmark -p impl=$order -p pairs=$pairs -p payload=$payload \
                -rf json -rff "$out/round$round-forwarding-$pairs-$payload.json" > "$out/round$round-forwarding-$pairs-$payload.log" 2>&1
        done
    done
    for members in 100 1000; do
        java -jar "$jar" FanoutBenchmark -p impl=$order -p members=$members \
            -rf json -rff "$out/round$round-fanout-$members.json" > "$out/round$round-fanout-$members.log" 2>&1
    done
    echo "round $round done"
done
