package io.plantline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaServerTest {

    /**
     * Local mode's Kafka: a record is on disk before it is acknowledged (so a device told "received" keeps its reading
     * through a power cut), and records are kept by time, however many, not cut at a size while a job is down.
     */
    @Test
    void localKafkaFlushesEveryWriteAndKeepsRecordsByTime(@TempDir Path log) throws Exception {
        try (EmbeddedKafkaServer kafka = EmbeddedKafkaServer.start(0, log, Duration.ofDays(7),
                EmbeddedKafkaServer.Durability.FLUSH_EVERY_WRITE);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            KafkaTopics.createAll(kafka.bootstrapServers(), 1);
            ConfigResource telemetry = new ConfigResource(ConfigResource.Type.TOPIC, Topics.TELEMETRY);
            Config config = admin.describeConfigs(List.of(telemetry)).all().get().get(telemetry);

            assertThat(config.get(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG).value()).isEqualTo("1");
            assertThat(config.get(TopicConfig.RETENTION_MS_CONFIG).value())
                    .isEqualTo(Long.toString(Duration.ofDays(7).toMillis()));
            assertThat(config.get(TopicConfig.RETENTION_BYTES_CONFIG).value()).isEqualTo("-1");
        }
    }
}
