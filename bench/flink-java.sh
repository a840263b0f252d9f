#!/usr/bin/env bash
# Runs a benchmark class from bench/target/bench.jar in a JVM that can run Flink on Java 17 (the opens Flink's
# own start scripts pass). Sourced by the job benchmarks' scripts: run_flink_benchmark CLASS ARGS...
run_flink_benchmark() {
  local opens=()
  for package in java.util java.lang java.lang.reflect java.net java.io java.nio sun.nio.ch java.text java.time \
      java.util.concurrent java.util.concurrent.atomic java.util.concurrent.locks; do
    opens+=("--add-opens=java.base/$package=ALL-UNNAMED")
  done
  exec java -Xmx2g "${opens[@]}" -cp bench/target/bench.jar "$@"
}
