#!/usr/bin/env bash
# Machine events per second through the OEE job and its state for 1,000 / 10,000 / 100,000 machines
# (OeeBenchmark). Prints a Markdown section for docs/benchmarks.md.
#
#   bench/oee.sh [minutes=3] [machine-counts=1000,10000,100000]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
opens=()
for package in java.util java.lang java.lang.reflect java.net java.io java.nio sun.nio.ch java.text java.time \
    java.util.concurrent java.util.concurrent.atomic java.util.concurrent.locks; do
  opens+=("--add-opens=java.base/$package=ALL-UNNAMED")
done
exec java -Xmx2g "${opens[@]}" -cp bench/target/bench.jar io.plantline.bench.OeeBenchmark "$@"
