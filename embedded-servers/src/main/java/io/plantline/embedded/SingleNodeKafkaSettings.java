package io.plantline.embedded;

import java.util.Map;

/** Broker settings of both embedded Kafkas: one node, so replication of one, and a bounded log on disk. */
final class SingleNodeKafkaSettings {

    private SingleNodeKafkaSettings() {
    }

    /** Per partition at most {@code retentionBytesPerPartition} on disk. */
    static Map<String, String> of(long retentionBytesPerPartition) {
        return Map.ofEntries(
                Map.entry("auto.create.topics.enable", "false"),
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "4"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("transaction.state.log.num.partitions", "4"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("log.retention.bytes", Long.toString(retentionBytesPerPartition)),
                Map.entry("log.segment.bytes", Long.toString(Math.min(retentionBytesPerPartition / 4, 64L << 20))),
                Map.entry("log.retention.check.interval.ms", "60000"));
    }
}
