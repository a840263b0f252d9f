#!/usr/bin/env bash
# Notification latency (alert record on Kafka to mail in an SMTP server and to a webhook request) and report
# throughput (rows per second from request to ready), with the real control API on embedded PostgreSQL and Kafka
# (NotificationBenchmark). Prints Markdown tables for docs/benchmarks.md.
#
#   bench/notifications.sh [rounds=3] [alerts=300] [rate=20] [machines=20]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
exec java -Xmx2g -cp bench/target/bench.jar io.plantline.bench.NotificationBenchmark "$@"
