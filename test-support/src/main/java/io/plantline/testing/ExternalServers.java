package io.plantline.testing;

import java.util.Optional;

/**
 * The environment variables that point tests at real servers instead of embedded ones. Unset means
 * embedded; the README lists them.
 */
final class ExternalServers {

    /** e.g. {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}; each test class gets its own schema there. */
    static final String JDBC_URL = "PLANTLINE_TEST_JDBC_URL";
    /** e.g. {@code 127.0.0.1:9092}; tests create topics with unique names there. */
    static final String KAFKA_BOOTSTRAP = "PLANTLINE_TEST_KAFKA_BOOTSTRAP";
    /** e.g. {@code tcp://127.0.0.1:1883}; tests use unique topic prefixes there. */
    static final String MQTT_URI = "PLANTLINE_TEST_MQTT_URI";

    private ExternalServers() {
    }

    static Optional<String> get(String variable) {
        return Optional.ofNullable(System.getenv(variable)).map(String::trim).filter(value -> !value.isEmpty());
    }
}
