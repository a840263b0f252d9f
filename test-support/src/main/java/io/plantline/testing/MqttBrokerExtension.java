package io.plantline.testing;

import io.plantline.embedded.EmbeddedMqttBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test a {@link TestMqttBroker}: the embedded HiveMQ CE broker started once per JVM (MQTT 5), or the broker named by {@code PLANTLINE_TEST_MQTT_URI} (say, Mosquitto).
 */
public final class MqttBrokerExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestMqttBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return ExternalServers.get(ExternalServers.MQTT_URI).map(TestMqttBroker::fromUri).orElseGet(() -> {
            EmbeddedMqttBroker broker = SharedServers.get(context, EmbeddedMqttBroker.class, () -> {
                try {
                    return EmbeddedMqttBroker.start(0, Files.createTempDirectory("plantline-mqtt"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return new TestMqttBroker("127.0.0.1", broker.port(), true);
        });
    }
}
