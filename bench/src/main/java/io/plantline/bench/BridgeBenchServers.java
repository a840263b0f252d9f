package io.plantline.bench;

import io.plantline.embedded.EmbeddedKafkaCluster;
import io.plantline.embedded.EmbeddedMqttBroker;
import io.plantline.embedded.EmbeddedPostgresServer;
import io.plantline.embedded.FreePorts;
import io.plantline.embedded.KafkaTopics;
import io.plantline.sql.SchemaMigration;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The servers a bridge benchmark runs against, in this JVM: PostgreSQL with the schema, Kafka with the topics (4
 * partitions), and the embedded HiveMQ CE, or a broker already listening on {@code -Dmqtt.port} (Mosquitto, say).
 */
record BridgeBenchServers(EmbeddedPostgresServer postgres, EmbeddedKafkaCluster kafka, EmbeddedMqttBroker broker,
                          int brokerPort) implements AutoCloseable {

    static BridgeBenchServers start(String name) throws Exception {
        Path work = Files.createTempDirectory(name);
        int externalBroker = Integer.getInteger("mqtt.port", 0);
        EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(0, work.resolve("pg"), true);
        EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(FreePorts.pick(), work.resolve("kafka"), 1L << 30);
        EmbeddedMqttBroker broker = externalBroker == 0 ? EmbeddedMqttBroker.start(0, work.resolve("mqtt")) : null;
        SchemaMigration.apply(postgres.jdbcUrl());
        KafkaTopics.createAll(kafka.bootstrapServers(), 4);
        return new BridgeBenchServers(postgres, kafka, broker, broker == null ? externalBroker : broker.port());
    }

    String jdbcUrl() {
        return postgres.jdbcUrl();
    }

    @Override
    public void close() throws Exception {
        if (broker != null) {
            broker.close();
        }
        kafka.close();
        postgres.close();
    }
}
