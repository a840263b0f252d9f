#!/usr/bin/env bash
# Cluster mode's faults in turn on the process cluster (every component of docker-compose.yml an OS process, started
# from its files: ProcessCluster): kill -9 of a TaskManager, the Kafka broker leading the most partitions, a bridge, a
# control API, the JobManager (a new one started), PostgreSQL and Mosquitto (each restarted), with the plant simulator
# at a steady rate and a scripted breach on three machines (ClusterFaultsBenchmark). Prints a Markdown section for
# docs/benchmarks.md with each fault's recovery times; exits 1 unless every acknowledged reading and part is counted
# exactly once per device, metric and minute (Mosquitto's kill excepted: its losses are counted and reported) and each
# breach opened exactly one alert. Needs Mosquitto with its dynamic-security plugin (apt-get install mosquitto) and jq.
#
#   bench/cluster-faults.sh [machines=20]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench,flink-standalone,pipeline-jobs -am install
exec java -Xmx512m -Dlogback.configurationFile=bench-logback.xml -cp bench/target/bench.jar io.plantline.bench.ClusterFaultsBenchmark "$(pwd)" "$@"
