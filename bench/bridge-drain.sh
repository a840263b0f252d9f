#!/usr/bin/env bash
# The bridge alone draining a backlog of QoS 1 messages from a persistent session filled while it was stopped, beside
# a bare subscriber draining the same subscription type, alternating rounds (BridgeDrainBenchmark). Prints each
# round, then the medians and spreads as a Markdown table for docs/benchmarks.md.
#
#   bench/bridge-drain.sh [messages=200000] [rounds=5]
# SHARE_GROUP (default bridge, the bridge's default; empty: a plain subscription), CONNECTIONS (--mqtt-connections,
# default as the bridge's: one per core), BRIDGE_ARGS (further bridge settings, e.g. "--kafka-linger-ms=1"),
# MQTT_PORT (a broker already listening instead of the embedded HiveMQ CE).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
exec java -Dshare.group="${SHARE_GROUP-bridge}" ${CONNECTIONS:+-Dconnections=$CONNECTIONS} \
    -Dbridge.args="${BRIDGE_ARGS:-}" -Dmqtt.port="${MQTT_PORT:-0}" -cp bench/target/bench.jar io.plantline.bench.BridgeDrainBenchmark "$@"
