package io.plantline.embedded;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Broker settings of both embedded Kafkas: one node, so replication of one, and a log kept by size or by time. */
final class SingleNodeKafkaSettings {

    private SingleNodeKafkaSettings() {
    }

    /** Per partition at most {@code retentionBytesPerPartition} on disk. */
    static Map<String, String> of(long retentionBytesPerPartition) {
        Map<String, String> settings = new HashMap<>(common());
        settings.put("log.retention.bytes", Long.toString(retentionBytesPerPartition));
        settings.put("log.segment.bytes", Long.toString(Math.min(retentionBytesPerPartition / 4, 64L << 20)));
        return settings;
    }

    /**
     * Records kept for {@code retention}, however many: a job that is down for a while must find every record it has
     * not read. Segments roll daily at most, so what is past the retention goes within a day of it.
     */
    static Map<String, String> byTime(Duration retention) {
        Map<String, String> settings = new HashMap<>(common());
        settings.put("log.retention.ms", Long.toString(retention.toMillis()));
        settings.put("log.retention.bytes", "-1");
        settings.put("log.roll.ms", Long.toString(Math.min(retention.toMillis(), Duration.ofDays(1).toMillis())));
        return settings;
    }

    private static Map<String, String> common() {
        return Map.ofEntries(
                Map.entry("auto.create.topics.enable", "false"),
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "4"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("transaction.state.log.num.partitions", "4"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("log.retention.check.interval.ms", "60000"));
    }
}
