#!/usr/bin/env bash
# Minute rows per second through the OEE job's PostgreSQL writer, and whether the hour roll-ups stay exact
# (OeeSinkBenchmark). Prints a Markdown section for docs/benchmarks.md.
#
#   bench/oee-sink.sh [rounds=5] [machines=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
source bench/flink-java.sh
run_flink_benchmark io.plantline.bench.OeeSinkBenchmark "$@"
