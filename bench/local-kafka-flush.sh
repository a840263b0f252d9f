#!/usr/bin/env bash
# What flushing local mode's Kafka log after every write costs (LocalKafkaFlushBenchmark): records/s as the bridge
# sends them, and the latency of one record at a time, with the page cache only and with a flush per write.
#
#   bench/local-kafka-flush.sh [records=50000] [one-at-a-time=2000]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
exec java -cp bench/target/bench.jar io.plantline.bench.LocalKafkaFlushBenchmark "$@"
