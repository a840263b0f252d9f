package io.plantline.pipeline.sink;

import io.plantline.model.DeadLetter;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets through only records that Kafka takes: at most the producer's request limit and the topic's
 * {@code max.message.bytes}, which it reads when the sink opens (after a restart, so a topic's limit changed since
 * is followed). A record larger than its topic takes becomes a dead letter {@code record_too_large} carrying as much
 * of the record as fits, and a dead letter larger than the dead-letter topic takes is cut to fit; either is counted
 * in {@code recordsTooLarge}. A letter that fits with none of its bytes is dropped, and logged.
 */
final class RecordsThatFit<T> implements KafkaRecordSerializationSchema<T> {

    private static final Logger LOG = LoggerFactory.getLogger(RecordsThatFit.class);
    /** A record batch's header and one record's own fields, with room to spare (Kafka's are 61 and at most 21). */
    static final int RECORD_OVERHEAD_BYTES = 128;
    private static final Duration READ_LIMITS_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaTopicSinks sinks;
    private final String topic;
    private final KafkaRecordSerializationSchema<T> records;
    private transient int topicLimit;
    private transient int deadLetterLimit;
    private transient Counter tooLarge;

    RecordsThatFit(KafkaTopicSinks sinks, String topic, KafkaRecordSerializationSchema<T> records) {
        this.sinks = sinks;
        this.topic = topic;
        this.records = records;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) throws Exception {
        records.open(context, sinkContext);
        Map<String, Integer> limits = recordLimits(List.of(topic, sinks.deadLetterTopic()));
        topicLimit = limits.get(topic);
        deadLetterLimit = limits.get(sinks.deadLetterTopic());
        tooLarge = context.getMetricGroup().counter("recordsTooLarge");
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
        ProducerRecord<byte[], byte[]> record = records.serialize(element, context, timestamp);
        if (record == null || size(record) <= topicLimit) {
            return record;
        }
        tooLarge.inc();
        // A dead letter is cut to fit; any other record becomes one.
        DeadLetter letter = element instanceof DeadLetter refused ? refused : DeadLetter.of(Instant.now(),
                sinks.jobName(), new Rejection(RejectReason.RECORD_TOO_LARGE, "a record of " + size(record)
                        + " bytes; " + topic + " takes at most " + topicLimit),
                topic, record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8), record.value());
        LOG.warn("A record of {} bytes for {} is larger than the topic takes ({} bytes): {}", size(record), topic,
                topicLimit, letter);
        int room = deadLetterLimit - RECORD_OVERHEAD_BYTES - utf8Length(letter.key());
        return DeadLetters.cutToFit(letter, room).map(cut -> DeadLetters.record(sinks.deadLetterTopic(), cut))
                .orElseGet(() -> {
                    LOG.error("Dropped {}: it does not fit {} even without its bytes", letter, sinks.deadLetterTopic());
                    return null;
                });
    }

    /** What Kafka counts against its limits, at most. */
    static int size(ProducerRecord<byte[], byte[]> record) {
        int size = RECORD_OVERHEAD_BYTES + (record.key() == null ? 0 : record.key().length)
                + (record.value() == null ? 0 : record.value().length);
        for (Header header : record.headers()) {
            size += RECORD_OVERHEAD_BYTES + utf8Length(header.key()) + (header.value() == null ? 0 : header.value().length);
        }
        return size;
    }

    private static int utf8Length(String text) {
        return text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * Each topic's limit on one record: the smaller of the producer's and the topic's {@code max.message.bytes}, or
     * the producer's where the topic's cannot be read (a broker that refuses DescribeConfigs to the job).
     */
    private Map<String, Integer> recordLimits(List<String> topics) throws InterruptedException {
        Map<String, Integer> limits = new HashMap<>();
        topics.forEach(name -> limits.put(name, KafkaTopicSinks.MAX_REQUEST_BYTES));
        List<ConfigResource> resources = topics.stream().distinct()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList();
        int timeoutMs = (int) READ_LIMITS_TIMEOUT.toMillis();
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, sinks.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs))) {
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
            configs.forEach((resource, config) -> {
                ConfigEntry entry = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                if (entry != null && entry.value() != null) {
                    limits.merge(resource.name(), Integer.parseInt(entry.value()), Math::min);
                }
            });
        } catch (ExecutionException e) {
            LOG.warn("Cannot read the record limits of {} ({}); assuming {} bytes", topics, e.getMessage(),
                    KafkaTopicSinks.MAX_REQUEST_BYTES);
        }
        return limits;
    }
}
