#!/usr/bin/env bash
# Latency of GET /analytics/losses over 30 days for a line of 100 machines and for one machine, closed-loop and at
# 20 requests/s (LossesBenchmark), load from a second JVM. Prints a Markdown section for docs/benchmarks.md.
#
#   bench/losses.sh [seconds=15] [clients=8] [jdbc-url of a PostgreSQL to use instead of an embedded one]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
exec java -Xmx1g -cp bench/target/bench.jar io.plantline.bench.LossesBenchmark "$@"
