package io.plantline.testing;

import java.net.URI;

/** The MQTT broker a test talks to. Tests publish under {@link #uniqueOrgSlug()} so they never see each other's messages. */
public record TestMqttBroker(String host, int port, boolean embedded) {

    static TestMqttBroker fromUri(String uri) {
        URI parsed = URI.create(uri);
        return new TestMqttBroker(parsed.getHost(), parsed.getPort() < 0 ? 1883 : parsed.getPort(), false);
    }

    public String uri() {
        return "tcp://" + host + ":" + port;
    }

    /** An organisation slug no other test uses; the slug is the second segment of every device topic. */
    public static String uniqueOrgSlug() {
        return "t" + UniqueNames.suffix();
    }
}
