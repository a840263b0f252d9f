#!/usr/bin/env bash
# Years of data on one PostgreSQL (HistoryBenchmark, issue 33): loads a plant's history with COPY into a database of
# its own (created if missing; a history loaded before at the same scale is reused), then measures the control API's
# 1-day, 30-day and 1-year range queries at 20 requests/s, the jobs' sink rate into the full tables against empty
# ones (a second database, <name>_empty), bytes per machine-day and the time to drop a day's partition. Prints a
# Markdown section for docs/benchmarks.md. Full scale: about 130 million telemetry minutes and 35 GB on disk.
#
#   bench/history.sh [days=90] [machines=200] [rounds=3] [seconds=20] \
#       [jdbc-url=jdbc:postgresql://127.0.0.1:5432/plantline_history?user=postgres]
#
# rounds=0 only loads, seconds=0 leaves out the API queries (days load newest first, each in one transaction; an interrupted load resumes where it stopped).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
exec java -Xmx2g -cp bench/target/bench.jar io.plantline.bench.HistoryBenchmark "$@"
