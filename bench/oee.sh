#!/usr/bin/env bash
# Machine events and signs of life per second through the OEE job, its checkpoints and its sink rows per second for
# 1,000 / 10,000 / 100,000 machines (OeeBenchmark). Prints a Markdown table for docs/benchmarks.md.
#
#   bench/oee.sh [minutes=3] [machine-counts=1000,10000,100000]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
source bench/flink-java.sh
run_flink_benchmark io.plantline.bench.OeeBenchmark "$@"
