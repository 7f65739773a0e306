#!/usr/bin/env bash
# Two builds of chat-nio against each other on the same load, for "did this change regress anything": each
# scenario runs the chatnio server of the OLD and of the NEW benchmarks jar in separate JMH invocations, in
# ABBA order (old, new, new, old) repeated BLOCKS times, so a slow spell of the machine hits both sides.
#
#   benchmarks/chart/compare_builds.sh OLD_JAR NEW_JAR [BLOCKS] [OUT_DIR]
#   python3 benchmarks/chart/compare_builds.py OUT_DIR/*.json
#
# Build OLD_JAR from the older commit (mvn -B package -pl benchmarks -am -DskipTests, then copy
# benchmarks/target/benchmarks.jar aside). About 25 s per trial; 3 scenarios x 4 trials per block.
set -euo pipefail
old=$1
new=$2
blocks=${3:-2}
out=${4:-compare-results}
mkdir -p "$out"
run() { # side jar block slot benchmark params...
    local side=$1 jar=$2 block=$3 slot=$4 bench=$5
    shift 5
    local name="$out/block$block-$slot-$side-$bench-$(echo "$*" | tr -c 'a-z0-9=' '_')"
    java -jar "$jar" "$bench" -p impl=chatnio "$@" -rf json -rff "$name.json" > "$name.log" 2>&1
}
for block in $(seq 1 "$blocks"); do
    for scenario in "ForwardingBenchmark -p pairs=100 -p payload=64" \
                    "ForwardingBenchmark -p pairs=1000 -p payload=1024" \
                    "FanoutBenchmark -p members=100"; do
        # shellcheck disable=SC2086
        run old "$old" "$block" 1 $scenario
        # shellcheck disable=SC2086
        run new "$new" "$block" 2 $scenario
        # shellcheck disable=SC2086
        run new "$new" "$block" 3 $scenario
        # shellcheck disable=SC2086
        run old "$old" "$block" 4 $scenario
    done
    echo "block $block done"
done
