package io.plantline.pipeline;

import io.plantline.config.JdbcAddress;
import io.plantline.config.Settings;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What every Plantline job is told at submission ({@link Settings}: {@code --name=value} program arguments,
 * else {@code PLANTLINE_NAME} environment variables, else the defaults below).
 *
 * @param kafkaBootstrap     {@code --kafka-bootstrap}, default {@code localhost:9092}
 * @param database           {@code --jdbc-url}, default {@code jdbc:postgresql://localhost:5432/plantline}, and the
 *                           login apart from it, {@code --jdbc-user} and {@code --jdbc-password} ({@link JdbcAddress})
 * @param parallelism        {@code --parallelism}, default 2
 * @param maxOutOfOrderness  how far event time may run backwards before a record is late
 *                           ({@code --out-of-orderness-ms}, default 5 s)
 * @param allowedLateness    late records within this still correct results already written; later ones go
 *                           to the dead-letter topic ({@code --allowed-lateness-ms}, default 2 min)
 * @param sourceIdleness     a partition silent this long stops holding back event time
 *                           ({@code --idleness-ms}, default 30 s)
 * @param checkpointInterval {@code --checkpoint-interval-ms}, default 10 s
 * @param stateTtl           per-key state not written for this long is dropped: a device that stopped sending
 *                           costs nothing after it ({@code --state-ttl-ms}, default 7 days)
 * @param rulesWait          at start and after a restore, event time is held until the rules topic is read to its
 *                           end, for at most this long ({@code --rules-wait-ms}, default 2 min)
 */
public record JobOptions(String kafkaBootstrap, JdbcAddress database, int parallelism, Duration maxOutOfOrderness,
                         Duration allowedLateness, Duration sourceIdleness, Duration checkpointInterval,
                         Duration stateTtl, Duration rulesWait) {

    public static final String ENVIRONMENT_PREFIX = "PLANTLINE";
    public static final Set<String> NAMES = namesWith(JdbcAddress.NAMES, Set.of("kafka-bootstrap", "parallelism",
            "out-of-orderness-ms", "allowed-lateness-ms", "idleness-ms", "checkpoint-interval-ms", "state-ttl-ms",
            "rules-wait-ms"));

    /** Every job's names and one job's own, for a job with settings of its own. */
    public static Set<String> namesWith(Set<String> jobSpecific) {
        return namesWith(NAMES, jobSpecific);
    }

    private static Set<String> namesWith(Set<String> names, Set<String> more) {
        Set<String> all = new HashSet<>(names);
        all.addAll(more);
        return Set.copyOf(all);
    }

    public static JobOptions parse(String[] args, Map<String, String> environment) {
        return from(Settings.parse(args, environment, ENVIRONMENT_PREFIX, NAMES));
    }

    public static JobOptions from(Settings settings) {
        return new JobOptions(
                settings.string("kafka-bootstrap", "localhost:9092"),
                JdbcAddress.from(settings, "jdbc:postgresql://localhost:5432/plantline"),
                (int) settings.number("parallelism", 2, 1, PipelineEnvironment.MAX_PARALLELISM),
                millis(settings, "out-of-orderness-ms", Duration.ofSeconds(5)),
                millis(settings, "allowed-lateness-ms", Duration.ofMinutes(2)),
                millis(settings, "idleness-ms", Duration.ofSeconds(30)),
                Duration.ofMillis(settings.number("checkpoint-interval-ms", 10_000, 100, 3_600_000)),
                Duration.ofMillis(settings.number("state-ttl-ms", Duration.ofDays(7).toMillis(), 1_000,
                        Duration.ofDays(365).toMillis())),
                Duration.ofMillis(settings.number("rules-wait-ms", Duration.ofMinutes(2).toMillis(), 1_000,
                        Duration.ofHours(1).toMillis())));
    }

    private static Duration millis(Settings settings, String name, Duration fallback) {
        return Duration.ofMillis(settings.number(name, fallback.toMillis(), 0, Duration.ofDays(1).toMillis()));
    }
}
