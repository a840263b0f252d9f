package io.plantline.api;

import io.plantline.api.http.ApiException;
import io.plantline.model.AlertEvent;
import io.plantline.model.DeviceCommand;
import io.plantline.model.DeviceRef;
import io.plantline.model.RulesTopicValue;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The API's one Kafka producer (idempotent, acks=all). Sends wait for Kafka's acknowledgement, so a request that
 * answers 2xx has its record in Kafka; when Kafka does not answer in time the request fails with 503.
 */
public final class ApiKafka implements AutoCloseable {

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaProducer<byte[], byte[]> producer;

    public ApiKafka(String bootstrapServers) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 1,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, SEND_TIMEOUT.toMillis(),
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis(),
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis() - 1000),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    public void publish(RulesTopicValue value) {
        send(new ProducerRecord<>(Topics.RULES, bytes(value.key()), RecordJson.write(value)));
    }

    /** Deletes a rule or a device's settings from the compacted topic, and from every running job. */
    public void tombstone(String rulesTopicKey) {
        send(new ProducerRecord<>(Topics.RULES, bytes(rulesTopicKey), null));
    }

    public void publish(AlertEvent event) {
        send(new ProducerRecord<>(Topics.ALERTS, bytes(event.device().key()), RecordJson.write(event)));
    }

    /**
     * A command to a device on {@code factory.commands}, which the bridge publishes to the device's commands topic. Its
     * id follows from its type, device and {@code subject} (a roll-out, a configuration version), so a command sent
     * again after a failed transaction is recognised by the device as the same one.
     */
    public void command(DeviceRef device, String type, String subject, Map<String, Object> payload, Instant issuedAt) {
        String commandId = UUID.nameUUIDFromBytes((type + "/" + device.orgSlug() + "/" + subject + "/" + device.deviceId())
                .getBytes(StandardCharsets.UTF_8)).toString();
        send(Topics.COMMANDS, device.key(), RecordJson.write(new DeviceCommand(commandId, device, type, issuedAt, payload)));
    }

    /** A record as the bridge's routing made it (HTTP ingestion). */
    public void send(String topic, String key, byte[] value) {
        sendAll(List.of(new ProducerRecord<>(topic, key, value)));
    }

    /**
     * Records as the bridge's routing made them, all sent before any is waited for (bulk ingestion); if one is not
     * acknowledged the request fails with 503 and some may be in Kafka, which a resend of the same messages makes
     * harmless (the jobs count a message once, by its identity).
     */
    public void sendAll(List<ProducerRecord<String, byte[]>> records) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (ProducerRecord<String, byte[]> record : records) {
            sent.add(producer.send(new ProducerRecord<>(record.topic(), null, record.key() == null ? null : bytes(record.key()),
                    record.value(), record.headers())));
        }
        for (Future<RecordMetadata> ack : sent) {
            await(ack);
        }
    }

    private void send(ProducerRecord<byte[], byte[]> record) {
        await(producer.send(record));
    }

    private static void await(Future<RecordMetadata> ack) {
        try {
            ack.get(SEND_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while writing to Kafka");
        } catch (ExecutionException | TimeoutException e) {
            throw ApiException.unavailable("Kafka did not accept the record; nothing was changed, retry later");
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
