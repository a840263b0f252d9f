#!/usr/bin/env bash
# The web console's load times in headless Chromium (ConsoleBenchmark): page load, login to a rendered overview of
# the demo plant, a 30-day OEE chart; needs Debian's chromium and chromium-driver. Prints a Markdown table.
#
#   bench/console.sh [runs=5]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
exec java -Xmx1g -cp bench/target/bench.jar io.plantline.bench.ConsoleBenchmark "$@"
