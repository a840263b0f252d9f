#!/usr/bin/env bash
# Data points per second through the telemetry analytics job beside a bare Kafka consumer that only parses, alert
# latency under a live load, and state size (TelemetryAnalyticsBenchmark). Prints a Markdown section for
# docs/benchmarks.md.
#
#   bench/telemetry-analytics.sh [messages=300000] [live-seconds=60] [live-messages-per-second=20000]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
# Flink on Java 17 needs the same opens as its own start scripts pass.
opens=()
for package in java.util java.lang java.lang.reflect java.net java.io java.nio sun.nio.ch java.text java.time \
    java.util.concurrent java.util.concurrent.atomic java.util.concurrent.locks; do
  opens+=("--add-opens=java.base/$package=ALL-UNNAMED")
done
exec java -Xmx2g "${opens[@]}" -cp bench/target/bench.jar io.plantline.bench.TelemetryAnalyticsBenchmark "$@"
