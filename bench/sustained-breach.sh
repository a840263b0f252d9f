#!/usr/bin/env bash
# What a long alert sustain term costs: 2,000 devices breaching for a whole backlog, the analytics job with a 10 s rule
# and a 3,600 s rule in alternating rounds (SustainedBreachBenchmark). Prints a Markdown section for docs/benchmarks.md.
#
#   bench/sustained-breach.sh [seconds of backlog=150] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
source bench/flink-java.sh
run_flink_benchmark io.plantline.bench.SustainedBreachBenchmark "$@"
