#!/usr/bin/env bash
# Cluster mode without Docker: every component docker-compose.yml runs (ZooKeeper, 3 KRaft brokers, PostgreSQL, a
# JobManager with ZooKeeper HA and 2 TaskManagers, Mosquitto with dynamic security, 2 bridges, 2 control APIs) as an
# OS process of its own, started from the same files (docker-compose.yml's environments, flink-conf/config.yaml,
# mosquitto/mosquitto.conf) and the jobs submitted by docker/submit-jobs.sh (ProcessCluster). Prints the addresses;
# Ctrl-C stops everything. Needs Mosquitto with its dynamic-security plugin (apt-get install mosquitto) and jq.
#
#   cluster-tests/process-cluster.sh [work-folder]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench,flink-standalone,pipeline-jobs -am install
exec java -Xmx512m -cp bench/target/bench.jar io.plantline.cluster.ProcessClusterMain "$(pwd)" "$@"
