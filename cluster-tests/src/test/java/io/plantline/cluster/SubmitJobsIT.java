package io.plantline.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.embedded.KafkaTopics;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29: {@code docker/submit-jobs.sh}, which compose's one-shot runs at every {@code up}, against a real
 * standalone cluster: the first run submits the three jobs, a second run submits none of them again while they run.
 */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class SubmitJobsIT {

    @TempDir
    Path workDir;

    @Test
    void aSecondRunSubmitsNoJobThatIsAlreadyThere(TestDatabase database, TestKafka kafka) throws Exception {
        SchemaMigration.apply(database.jdbcUrl());
        KafkaTopics.createAll(kafka.bootstrapServers(), 1);
        try (StandaloneFlinkCluster flink = StandaloneFlinkCluster.start(Path.of(System.getProperty("plantline.flink.lib")), workDir)) {
            SubmitJobsScript script = new SubmitJobsScript(flink, kafka.bootstrapServers(), database.jdbcUrl(), workDir);

            script.run("first");
            Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(1, TimeUnit.SECONDS)
                    .until(() -> values(script.jobs(), "state"), states -> states.size() == 3 && !states.contains("CREATED"));

            assertThat(script.run("second"))
                    .contains("telemetry-analytics is already there", "oee is already there", "device-lifecycle is already there")
                    .doesNotContain("submitting");
            assertThat(values(script.jobs(), "name")).containsExactlyInAnyOrder("telemetry-analytics", "oee", "device-lifecycle");
        }
    }

    static List<String> values(JsonNode jobs, String field) {
        List<String> values = new ArrayList<>();
        jobs.forEach(job -> values.add(job.get(field).asText()));
        return values;
    }
}
