#!/usr/bin/env bash
# kill -9 of the local stack at random moments, several times, with a plant simulator in its own process that logs
# what the broker acknowledged; at the end every acknowledged reading and part must be counted exactly once
# (FaultsBenchmark). Prints a Markdown section for docs/benchmarks.md; exits 1 if anything was lost or doubled.
#
#   bench/faults.sh [kills=5] [machines=20]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl local-stack,plant-simulator,bench -am package
exec java -Xmx512m -cp bench/target/bench.jar io.plantline.bench.FaultsBenchmark \
  local-stack/target/local-stack.jar plant-simulator/target/plant-simulator.jar "$@"
