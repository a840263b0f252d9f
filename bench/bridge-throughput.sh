#!/usr/bin/env bash
# Bridge throughput beside a bare MQTT subscriber, at QoS 0 and 1, and the bridge's heap during a Kafka outage
# (BridgeThroughputBenchmark). Prints a Markdown section for docs/benchmarks.md.
#
#   bench/bridge-throughput.sh [messages=200000] [outage-messages=100000]
# Extra bridge settings to compare: BRIDGE_ARGS="--max-in-flight=65535" bench/bridge-throughput.sh
# On a broker already listening (Mosquitto, say) instead of the embedded one: MQTT_PORT=18830 bench/bridge-throughput.sh
# DEVICES (100) publish over CONNECTIONS (4) MQTT connections; one connection: DEVICES=1 CONNECTIONS=1.
# BROKER_PID=<its pid> adds the broker's CPU time per message; ROUNDS (3; 0: the outages alone) and WARMUP (100000
# messages) tune the runs; LARGE_MESSAGES (3000) and LARGE_BYTES (200000) size the outage with large payloads.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -DskipTests -pl bench -am package
exec java -Dbridge.args="${BRIDGE_ARGS:-}" -Dmqtt.port="${MQTT_PORT:-0}" -Ddevices="${DEVICES:-100}" \
    -Dconnections="${CONNECTIONS:-4}" -Dbroker.pid="${BROKER_PID:-0}" \
    -Drounds="${ROUNDS:-3}" -Dwarmup="${WARMUP:-100000}" -Dlarge.messages="${LARGE_MESSAGES:-3000}" \
    -Dlarge.bytes="${LARGE_BYTES:-200000}" -cp bench/target/bench.jar io.plantline.bench.BridgeThroughputBenchmark "$@"
