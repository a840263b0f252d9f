#!/usr/bin/env bash
# The analytics job's source decoding alone (TelemetryDecodingBenchmark): TelemetryDeserializer over the analytics
# benchmark's readings held in memory, one thread, no Kafka or Flink; data points decoded per second per round.
#
#   bench/telemetry-decoding.sh [records=200000] [rounds=5] [msg-ids=no]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
exec java -Xmx2g -cp bench/target/bench.jar io.plantline.bench.TelemetryDecodingBenchmark "$@"
