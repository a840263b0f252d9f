#!/usr/bin/env bash
# Runs the local stack for a while with the default plant (20 machines) and records, once a minute, the heap
# in use right after a full garbage collection and the disk used by the data directory. A leak shows as
# heap-after-GC or disk that keeps growing; the table goes to docs/benchmarks.md by hand (it is a long run).
#
#   bench/local-stack-soak.sh [minutes=60] [output=target/soak.tsv]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-60}
output=${2:-target/soak.tsv}

./mvnw -B -q -DskipTests -pl local-stack -am package
# Run from a copy, so a build during the soak cannot replace the jars under the running JVM.
run=$(mktemp -d /tmp/plantline-soak.XXXXXX)
cp -r local-stack/target/local-stack.jar local-stack/target/lib "$run/"
mkdir -p "$(dirname "$output")"

java -Xmx2g -XX:+UseG1GC -jar "$run/local-stack.jar" --data-dir="$run/data" --mqtt-port=0 --kafka-port=0 \
  --postgres-port=0 --flink-ui-port=0 --bridge-metrics-port=0 > "$run/console.log" 2>&1 < /dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
until grep -q "local stack is up" "$run/console.log"; do
  kill -0 $pid 2>/dev/null || { cat "$run/console.log"; exit 1; }
  sleep 1
done
grep "local stack is up" "$run/console.log"

printf 'minute\theap_after_full_gc_mb\theap_committed_mb\tdata_dir_mb\tsimulator_sent\n' | tee "$output"
for minute in $(seq 0 "$minutes"); do
  jcmd $pid GC.run > /dev/null
  used_kb=$(jcmd $pid GC.heap_info | awk '/garbage-first heap/ {for (i = 1; i <= NF; i++) if ($i == "used") print $(i + 1)}' | tr -d 'K')
  committed_kb=$(jcmd $pid GC.heap_info | awk '/garbage-first heap/ {print $4}' | tr -d 'K,')
  data_mb=$(du -sm "$run/data" | cut -f1)
  sent=$( (grep -o 'sim sent [0-9]*' "$run/console.log" || true) | tail -1 | awk '{print $3}')
  printf '%d\t%d\t%d\t%d\t%s\n' "$minute" $((used_kb / 1024)) $((committed_kb / 1024)) "$data_mb" "${sent:-0}" | tee -a "$output"
  [[ $minute -lt $minutes ]] && sleep 60
done
