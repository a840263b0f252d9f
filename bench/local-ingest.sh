#!/usr/bin/env bash
# Device messages per second through the local stack's embedded broker into Kafka (the broker hands each publish to
# the bridge in the same JVM and acknowledges it once Kafka has it), beside the same broker acknowledging at once,
# alternating rounds (LocalIngestBenchmark). Prints each round, then medians and spreads as a Markdown table.
#
#   bench/local-ingest.sh [messages=100000] [rounds=10] [devices=100] [connections=devices]
# One connection: bench/local-ingest.sh 100000 5 1; a gateway (one connection for 2,000 machines):
# bench/local-ingest.sh 100000 5 2000 1.
# BRIDGE_ARGS adds bridge settings to compare, e.g. "--kafka-linger-ms=1".
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
exec java -Dbridge.args="${BRIDGE_ARGS:-}" -cp bench/target/bench.jar io.plantline.bench.LocalIngestBenchmark "$@"
