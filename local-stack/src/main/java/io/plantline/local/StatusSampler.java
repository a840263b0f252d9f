package io.plantline.local;

import io.plantline.api.jobs.JobHealth;
import io.plantline.api.jobs.RetentionRisk;
import io.plantline.api.jobs.TableWrites;
import io.plantline.embedded.EmbeddedMqttBroker;
import io.plantline.model.Topics;
import io.plantline.simulator.PlantSimulator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads a {@link StatusSnapshot} from the running parts of the local stack; a part that does not answer shows as unknown. */
final class StatusSampler {

    private static final Logger LOG = LoggerFactory.getLogger(StatusSampler.class);

    /** OEE over the last 15 minutes from summed components, as the contract says: never an average of ratios. */
    private static final String KPI_QUERY = """
            SELECT (SELECT count(*) FROM alerts WHERE status IN ('ACTIVE', 'ACKNOWLEDGED')) AS open_alerts,
                   (SELECT sum(good_ideal_ms) / nullif(sum(planned_ms), 0) FROM oee_1m
                     WHERE bucket_start >= now() - interval '15 minutes' AND ideal_cycle_ms IS NOT NULL) AS oee
            """;
    private static final Duration RETENTION_CHECK_INTERVAL = Duration.ofSeconds(30);
    /** The topics the status line shows: the plant's inbound messages and what was refused. */
    private static final List<String> COUNTED_TOPICS = java.util.stream.Stream.concat(
            StatusLine.INBOUND.stream(), java.util.stream.Stream.of(Topics.DEAD_LETTER)).toList();

    private final EmbeddedMqttBroker broker;
    private final Admin kafka;
    private final List<TopicPartition> partitions;
    private final DataSource database;
    private final LocalFlinkCluster flink;
    private final PlantSimulator simulator;
    private final RetentionRisk retentionRisk;
    private final Clock clock;
    /** The last retention warnings and when they were read: they change over hours, the line every second. */
    private List<String> retentionWarnings = List.of();
    private Instant retentionCheckedAt = Instant.EPOCH;

    StatusSampler(EmbeddedMqttBroker broker, Admin kafka, int partitionsPerTopic, DataSource database,
                  LocalFlinkCluster flink, PlantSimulator simulator, RetentionRisk retentionRisk, Clock clock) {
        this.broker = broker;
        this.kafka = kafka;
        this.partitions = COUNTED_TOPICS.stream()
                .flatMap(topic -> java.util.stream.IntStream.range(0, partitionsPerTopic)
                        .mapToObj(partition -> new TopicPartition(topic, partition)))
                .toList();
        this.database = database;
        this.flink = flink;
        this.simulator = simulator;
        this.retentionRisk = retentionRisk;
        this.clock = clock;
    }

    StatusSnapshot sample() {
        OptionalLong openAlerts = OptionalLong.empty();
        OptionalDouble oee = OptionalDouble.empty();
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(2);
            try (ResultSet row = statement.executeQuery(KPI_QUERY)) {
                row.next();
                openAlerts = OptionalLong.of(row.getLong("open_alerts"));
                double value = row.getDouble("oee");
                oee = row.wasNull() ? OptionalDouble.empty() : OptionalDouble.of(value);
            }
        } catch (SQLException e) {
            // Shown as unknown on the line; the cause is in the log.
            LOG.debug("status query failed", e);
        }
        Runtime runtime = Runtime.getRuntime();
        Instant now = clock.instant();
        List<JobHealth> jobs = jobs();
        return new StatusSnapshot(now, broker.incomingPublishes(), kafkaRecords(), jobs, retentionWarnings(jobs, now),
                openAlerts, oee, simulator.published(), simulator.skipped(), runtime.totalMemory() - runtime.freeMemory());
    }

    private Map<String, Long> kafkaRecords() {
        try {
            ListOffsetsResult offsets = kafka.listOffsets(partitions.stream()
                    .collect(Collectors.toMap(Function.identity(), partition -> OffsetSpec.latest())));
            Map<String, Long> records = new HashMap<>();
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> entry
                    : offsets.all().get(2, TimeUnit.SECONDS).entrySet()) {
                records.merge(entry.getKey().topic(), entry.getValue().offset(), Long::sum);
            }
            return records;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return Map.of();
        }
    }

    private List<String> retentionWarnings(List<JobHealth> jobs, Instant now) {
        if (Duration.between(retentionCheckedAt, now).compareTo(RETENTION_CHECK_INTERVAL) >= 0) {
            retentionWarnings = jobs.stream().flatMap(job -> retentionRisk.warning(job.name(), now).stream()).toList();
            retentionCheckedAt = now;
        }
        return retentionWarnings;
    }

    /** Each job's health, with when it last stored rows. */
    private List<JobHealth> jobs() {
        Map<String, Instant> rowsWritten;
        try {
            rowsWritten = TableWrites.newestByJob(database);
        } catch (SQLException e) {
            LOG.debug("table_writes query failed", e);
            rowsWritten = Map.of();
        }
        Map<String, Instant> written = rowsWritten;
        return flink.jobs().stream().map(job -> new JobHealth(job.name(), job.state(), job.startedAt(),
                job.lastCheckpointAt(), Optional.ofNullable(written.get(job.name())), job.restoredFrom())).toList();
    }
}
