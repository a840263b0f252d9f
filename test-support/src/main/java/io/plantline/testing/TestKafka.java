package io.plantline.testing;

import io.plantline.embedded.KafkaTopics;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The Kafka a test talks to, with the few helpers tests need: unique topics, produce, read back. */
public final class TestKafka {

    private final String bootstrapServers;

    TestKafka(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** The helpers for a Kafka a test started itself (one it stops and restarts, say). */
    public static TestKafka at(String bootstrapServers) {
        return new TestKafka(bootstrapServers);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * A new topic whose name starts with {@code prefix}, so tests sharing a broker never share topics; returned once
     * every partition has a leader, so that the test's first write is not refused.
     */
    public String createTopic(String prefix, int partitions) {
        String name = UniqueNames.of(prefix);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
            KafkaTopics.awaitLeaders(admin, List.of(name), KafkaTopics.LEADERS_TIMEOUT);
            return name;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + name, e.getCause());
        }
    }

    public void produce(String topic, String key, byte[] value) {
        produceAll(topic, List.of(new AbstractMap.SimpleImmutableEntry<>(key, value)));
    }

    /** Sends the records (key, value) in order through one producer and waits until Kafka has them all. */
    public void produceAll(String topic, List<Map.Entry<String, byte[]>> records) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // One request at a time per partition: on a machine so busy that a request times out while the broker appends
        // it, the batches sent behind it met OUT_OF_ORDER_SEQUENCE_NUMBER until they expired (TelemetryAnalyticsJobIT,
        // load average 34); a test's input needs its order and every record, not throughput.
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        try (KafkaProducer<String, byte[]> producer =
                     new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            List<Future<?>> sent = new ArrayList<>();
            for (Map.Entry<String, byte[]> record : records) {
                sent.add(producer.send(new ProducerRecord<>(topic, record.getKey(), record.getValue())));
            }
            for (Future<?> ack : sent) {
                ack.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot produce to " + topic, e.getCause());
        }
    }

    /** Reads the topic from the beginning until {@code count} records arrived or {@code timeout} passed. */
    public List<ConsumerRecord<String, byte[]>> read(String topic, int count, Duration timeout) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            Instant deadline = Instant.now().plus(timeout);
            while (records.size() < count && Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }
}
