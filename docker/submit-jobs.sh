#!/usr/bin/env bash
# One-shot: submits Plantline's three jobs to the JobManager unless a job of that name is already there, so
# `docker compose up` can run it at every start. "There" is any state but a final one (FINISHED, CANCELED, FAILED):
# a job that is RUNNING, RESTARTING, CREATED or recovering after a JobManager fail-over is never submitted twice.
# Job options come from the environment (PLANTLINE_*, see pipeline-jobs/README.md); PLANTLINE_FLINK_REST is the
# JobManager's REST address; the first argument, if any, is the job jar.
set -euo pipefail
rest="${PLANTLINE_FLINK_REST:-http://jobmanager:8081}"
jar="${1:-/opt/plantline/pipeline-jobs-job.jar}"
jobs=$(curl -fsS "$rest/jobs/overview")
for job in telemetry-analytics:io.plantline.pipeline.TelemetryAnalyticsJob oee:io.plantline.pipeline.OeeJob \
    device-lifecycle:io.plantline.pipeline.DeviceLifecycleJob; do
  name="${job%%:*}"
  class="${job#*:}"
  there=$(jq --arg name "$name" '[.jobs[] | select(.name == $name and
      (.state | IN("FINISHED", "CANCELED", "FAILED") | not))] | length' <<<"$jobs")
  if [ "$there" -gt 0 ]; then
    echo "submit-jobs: $name is already there"
    continue
  fi
  echo "submit-jobs: submitting $name"
  flink run -d -m "${rest#http://}" -c "$class" "$jar"
done
