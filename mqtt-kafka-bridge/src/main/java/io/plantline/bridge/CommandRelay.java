package io.plantline.bridge;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
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
import java.util.Map;
import java.util.Set;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
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
 *
 * <p>It does not give up: a poll whose commands the broker did not acknowledge (the broker down, however long) or
 * any other failure rewinds to the last committed offsets and tries again after a growing pause, logged and counted
 * ({@code command_failures}); only {@link #close()} ends it, at once, even while it waits for the broker's
 * acknowledgements (leaving uncommitted what was not acknowledged), and without counting its own interrupt as a failure. A command that cannot be published at all (the client
 * refuses it) or that the broker refuses (an error reason code) is a dead letter, so it does not hold up the ones
 * after it. {@link #isRunning()} feeds the bridge's {@code /health}.
 */
final class CommandRelay implements AutoCloseable {

    static final String CONSUMER_GROUP = "plantline-bridge-commands";
    private static final Logger LOG = LoggerFactory.getLogger(CommandRelay.class);
    private static final Duration ACKNOWLEDGEMENT_CHECK = Duration.ofMillis(200);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Mqtt5AsyncClient mqtt;
    private final KafkaProducer<String, byte[]> deadLetters;
    private final Clock clock;
    private final BridgeMetrics metrics;
    private final Thread thread = new Thread(this::run, "bridge-commands");
    private volatile boolean running = true;

    CommandRelay(String kafkaBootstrap, Mqtt5AsyncClient mqtt, KafkaProducer<String, byte[]> deadLetters, Clock clock,
                 BridgeMetrics metrics) {
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
        this.metrics = metrics;
    }

    void start() {
        consumer.subscribe(List.of(Topics.COMMANDS));
        thread.start();
    }

    private void run() {
        int failures = 0;
        try {
            while (running) {
                try {
                    relayOnePoll();
                    failures = 0;
                } catch (WakeupException | InterruptException e) {
                    // close() woke the poll up or interrupted a commit: leave without committing what was not acknowledged.
                } catch (RuntimeException e) {
                    if (!running) {
                        break;
                    }
                    failures++;
                    metrics.commandFailed();
                    long pause = Math.min(30_000, 500L << Math.min(failures, 6));
                    LOG.warn("command relay: {}; the commands not yet acknowledged are sent again in {} ms",
                            e.toString(), pause);
                    rewindToCommitted();
                    sleep(pause);
                }
            }
        } finally {
            // close() interrupts a back-off sleep; the consumer would take that interrupt as a failure to close.
            Thread.interrupted();
            consumer.close();
        }
    }

    private void relayOnePoll() {
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
            sent.add(relay(record));
        }
        if (!sent.isEmpty() && acknowledged(CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)))) {
            consumer.commitSync();
        }
    }

    /**
     * Waits for the broker's acknowledgements of a poll, however long (the broker may be down), but no longer than the
     * relay runs; false if it was stopped first.
     */
    private boolean acknowledged(CompletableFuture<Void> all) {
        while (running) {
            try {
                all.get(ACKNOWLEDGEMENT_CHECK.toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                // still waiting: look at running again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
            }
        }
        return false;
    }

    /** After a failed poll: back to the last committed offsets, so nothing of it is skipped. */
    private void rewindToCommitted() {
        try {
            Set<TopicPartition> assigned = consumer.assignment();
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
            for (TopicPartition partition : assigned) {
                OffsetAndMetadata offset = committed.get(partition);
                if (offset != null) {
                    consumer.seek(partition, offset);
                } else {
                    consumer.seekToBeginning(List.of(partition));
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("command relay could not rewind ({}); it resumes from its group's committed offsets", e.toString());
            consumer.unsubscribe();
            consumer.subscribe(List.of(Topics.COMMANDS));
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** False once it has been closed, or if its thread ended. */
    boolean isRunning() {
        return running && thread.isAlive();
    }

    private CompletableFuture<?> relay(ConsumerRecord<String, byte[]> record) {
        DeviceCommand command;
        try {
            command = RecordJson.readDeviceCommand(record.value());
        } catch (RecordJson.InvalidRecordException e) {
            return deadLetter(record, e.getMessage());
        }
        CompletableFuture<?> published;
        try {
            published = mqtt.publishWith()
                    .topic(Topics.mqttCommandTopic(command.device()))
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(RecordJson.mqttCommandPayload(command))
                    .send();
        } catch (RuntimeException e) {
            return deadLetter(record, "cannot be published: " + e.getMessage());
        }
        // The broker refusing the command is its answer, not an outage: sending it again would change nothing.
        return published.handle((result, error) -> error == null ? CompletableFuture.completedFuture(null)
                        : error instanceof Mqtt5PubAckException || error.getCause() instanceof Mqtt5PubAckException
                                ? deadLetter(record, "the broker refused it: " + error.getMessage())
                                : CompletableFuture.failedFuture(error))
                .thenCompose(outcome -> outcome);
    }

    private CompletableFuture<?> deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        DeadLetter letter = DeadLetter.of(clock.instant(), Routing.SOURCE, new Rejection(RejectReason.INVALID_VALUE, reason),
                Topics.COMMANDS + "-" + record.partition() + "@" + record.offset(), record.key(), record.value());
        CompletableFuture<Object> written = new CompletableFuture<>();
        deadLetters.send(new ProducerRecord<>(Topics.DEAD_LETTER, record.key(), RecordJson.write(letter)),
                (metadata, error) -> {
                    if (error == null) {
                        written.complete(null);
                    } else {
                        written.completeExceptionally(error);
                    }
                });
        return written;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.interrupt();
        thread.join(10_000);
    }
}
