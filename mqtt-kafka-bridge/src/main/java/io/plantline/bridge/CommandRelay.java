package io.plantline.bridge;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceCommand;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the commands the API writes on {@code factory.commands} to each device's MQTT commands topic at
 * QoS 1. Offsets are committed only after the broker acknowledged every command of a poll, so a restart
 * re-sends rather than drops (devices see a command at least once and de-duplicate by {@code commandId}).
 * All bridge instances share one consumer group, so each command is published once.
 */
final class CommandRelay implements AutoCloseable {

    static final String CONSUMER_GROUP = "plantline-bridge-commands";
    private static final Logger LOG = LoggerFactory.getLogger(CommandRelay.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Mqtt5AsyncClient mqtt;
    private final KafkaProducer<String, byte[]> deadLetters;
    private final Clock clock;
    private final Thread thread = new Thread(this::run, "bridge-commands");
    private volatile boolean running = true;

    CommandRelay(String kafkaBootstrap, Mqtt5AsyncClient mqtt, KafkaProducer<String, byte[]> deadLetters, Clock clock) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, CONSUMER_GROUP);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        this.mqtt = mqtt;
        this.deadLetters = deadLetters;
        this.clock = clock;
    }

    void start() {
        consumer.subscribe(List.of(Topics.COMMANDS));
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                List<CompletableFuture<?>> sent = new ArrayList<>();
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    sent.add(relay(record));
                }
                if (!sent.isEmpty()) {
                    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
                    consumer.commitSync();
                }
            }
        } catch (WakeupException e) {
            // close() woke the poll up: leave without committing what was not acknowledged.
        } catch (RuntimeException e) {
            LOG.error("command relay stopped; uncommitted commands are re-sent on restart", e);
        } finally {
            consumer.close();
        }
    }

    private CompletableFuture<?> relay(ConsumerRecord<String, byte[]> record) {
        DeviceCommand command;
        try {
            command = RecordJson.readDeviceCommand(record.value());
        } catch (RecordJson.InvalidRecordException e) {
            DeadLetter letter = DeadLetter.of(clock.instant(), Routing.SOURCE,
                    new Rejection(RejectReason.INVALID_VALUE, e.getMessage()),
                    Topics.COMMANDS + "-" + record.partition() + "@" + record.offset(), record.key(), record.value());
            CompletableFuture<Object> written = new CompletableFuture<>();
            deadLetters.send(new ProducerRecord<>(Topics.DEAD_LETTER, record.key(), RecordJson.write(letter)),
                    (metadata, error) -> written.complete(null));
            return written;
        }
        return mqtt.publishWith()
                .topic(Topics.mqttCommandTopic(command.device()))
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(RecordJson.mqttCommandPayload(command))
                .send();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
