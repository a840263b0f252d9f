package io.plantline.local;

import io.plantline.api.jobs.JobHealth;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * What the status line shows, sampled at one instant. Counters are totals since start (or, for Kafka,
 * record offsets), so a rate is the difference of two snapshots. A part that could not be read is empty.
 *
 * @param retentionWarnings per job whose unprocessed records near Kafka's retention, what is at risk
 *                          ({@link io.plantline.api.jobs.RetentionRisk})
 */
record StatusSnapshot(Instant at, long mqttPublishesIn, Map<String, Long> kafkaRecordsByTopic, List<JobHealth> jobs,
                      List<String> retentionWarnings, OptionalLong openAlerts, OptionalDouble oeeLast15Minutes, long simulatorPublished,
                      long simulatorSkipped, long heapUsedBytes) {
}
