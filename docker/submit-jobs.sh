#!/usr/bin/env bash
# One-shot: submits Plantline's three jobs to the JobManager unless a job of that name is already running, so
# `docker compose up` can run it at every start. Job options come from the environment (PLANTLINE_*, see
# pipeline-jobs/README.md); PLANTLINE_FLINK_REST is the JobManager's REST address.
set -euo pipefail
rest="${PLANTLINE_FLINK_REST:-http://jobmanager:8081}"
jar=/opt/plantline/pipeline-jobs-job.jar
running=$(curl -fsS "$rest/jobs/overview")
for job in telemetry-analytics:io.plantline.pipeline.TelemetryAnalyticsJob oee:io.plantline.pipeline.OeeJob \
    device-lifecycle:io.plantline.pipeline.DeviceLifecycleJob; do
  name="${job%%:*}"
  class="${job#*:}"
  if echo "$running" | grep -q "\"name\":\"$name\",\"state\":\"RUNNING\""; then
    echo "submit-jobs: $name is already running"
    continue
  fi
  echo "submit-jobs: submitting $name"
  flink run -d -m "${rest#http://}" -c "$class" "$jar"
done
