#!/usr/bin/env bash
# The published throughput runs: every scenario for every server, repeated ROUNDS times in a balanced order
# (round 1 runs the servers in the listed order, round 2 in reverse, and so on: ABBA), each trial in its own
# JMH invocation so that no trial inherits another's JIT state. A slow spell of the machine then falls on
# both sides of a ratio. Each trial writes its JMH JSON and log into OUT_DIR; stats.py turns them into the
# tables of docs/benchmarks.md.
#
#   benchmarks/chart/rounds.sh [ROUNDS] [OUT_DIR]
#   python3 benchmarks/chart/stats.py OUT_DIR
#
# Environment:
#   JAVA      the java binary that runs JMH and its forks (default: java on the PATH); JMH records its
#             version in every result, and stats.py keeps JDKs apart
#   IMPLS     servers, comma-separated (default chatnio,netty,netty-batched,blocking; add virtual on JDK 21+)
#   SCENARIOS which scenarios (default: forwarding at 100 and 1000 pairs x 64 B and 1 KiB, fan-out to 100
#             and 1000), as "Benchmark -p k=v ..." entries separated by ';'
#   JMH_OPTS  extra JMH options, e.g. "-wi 3 -w 1s -i 5 -r 1s" for a shorter run
#
# Time: about 30 s per trial with the shared configuration (SeedBenchmark), so 6 scenarios x 4 servers x 6
# rounds is about 70 minutes.
set -euo pipefail
rounds=${1:-6}
out=${2:-rounds-results}
java=${JAVA:-java}
jar=${JAR:-benchmarks/target/benchmarks.jar}
IFS=, read -r -a impls <<< "${IMPLS:-chatnio,netty,netty-batched,blocking}"
default_scenarios="ForwardingBenchmark -p pairs=100 -p payload=64;ForwardingBenchmark -p pairs=100 -p payload=1024"
default_scenarios+=";ForwardingBenchmark -p pairs=1000 -p payload=64;ForwardingBenchmark -p pairs=1000 -p payload=1024"
default_scenarios+=";FanoutBenchmark -p members=100;FanoutBenchmark -p members=1000"
IFS=';' read -r -a scenarios <<< "${SCENARIOS:-$default_scenarios}"
jdk=$("$java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.version =/ {print $2}')
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
    order=("${impls[@]}")
    if (( round % 2 == 0 )); then
        order=()
        for (( i=${#impls[@]}-1; i>=0; i-- )); do order+=("${impls[i]}"); done
    fi
    for scenario in "${scenarios[@]}"; do
        tag=$(echo "$scenario" | sed -e 's/Benchmark//' -e 's/ -p /-/g' -e 's/[^A-Za-z0-9=-]/_/g')
        for impl in "${order[@]}"; do
            name="$out/jdk$jdk-round$round-$tag-$impl"
            # shellcheck disable=SC2086
            "$java" -jar "$jar" $scenario -p impl="$impl" -jvm "$java" ${JMH_OPTS:-} \
                -rf json -rff "$name.json" > "$name.log" 2>&1 || echo "failed: $name (see its log)"
        done
    done
    echo "round $round of $rounds done ($(date +%H:%M))"
done
