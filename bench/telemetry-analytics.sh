#!/usr/bin/env bash
# Data points per second through the telemetry analytics job beside a bare Kafka consumer that only parses, alert
# latency under a live load, and state size (TelemetryAnalyticsBenchmark). Prints a Markdown section for
# docs/benchmarks.md. With msg-ids=yes every message carries a device msgId, else its identity is its payload digest.
#
#   bench/telemetry-analytics.sh [messages=300000] [live-seconds=60] [live-messages-per-second=20000] [msg-ids=no]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
source bench/flink-java.sh
run_flink_benchmark io.plantline.bench.TelemetryAnalyticsBenchmark "$@"
