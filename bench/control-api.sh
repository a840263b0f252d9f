#!/usr/bin/env bash
# Control API latency and throughput (ApiBenchmark): GET /devices/{id} and 30-day group OEE queries beside a bare
# sparkjava endpoint, load from a second JVM. Prints a Markdown section for docs/benchmarks.md.
#
#   bench/control-api.sh [seconds=15] [clients=8] [rate=500]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
exec java -Xmx1g -cp bench/target/bench.jar io.plantline.bench.ApiBenchmark "$@"
