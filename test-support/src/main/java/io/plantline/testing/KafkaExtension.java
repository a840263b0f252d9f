package io.plantline.testing;

import io.plantline.embedded.EmbeddedKafkaCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test a {@link TestKafka}: the in-process KRaft broker started once per JVM, or the cluster
 * named by {@code PLANTLINE_TEST_KAFKA_BOOTSTRAP}.
 */
public final class KafkaExtension implements ParameterResolver {

    private static final long RETENTION_BYTES_PER_PARTITION = 256L << 20;

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        String bootstrap = ExternalServers.get(ExternalServers.KAFKA_BOOTSTRAP).orElseGet(() ->
                SharedServers.get(context, EmbeddedKafkaCluster.class, () -> {
                    try {
                        return EmbeddedKafkaCluster.start(0, Files.createTempDirectory("plantline-kafka"),
                                RETENTION_BYTES_PER_PARTITION);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).bootstrapServers());
        return new TestKafka(bootstrap);
    }
}
