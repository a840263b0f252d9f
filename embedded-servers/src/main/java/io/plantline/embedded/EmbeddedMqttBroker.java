package io.plantline.embedded;

import com.codahale.metrics.Counter;
import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.embedded.EmbeddedHiveMQBuilder;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import io.plantline.model.Limits;
import io.plantline.model.mqtt.MqttAccessPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;

/**
 * An MQTT 5 broker (HiveMQ Community Edition) in this JVM, listening on 127.0.0.1. Usage statistics are
 * off, and the per-client queue is large, because a broker that drops queued QoS 1 messages would hide
 * losses the bridge's tests must find. A packet larger than {@link Limits#MAX_MQTT_PACKET_BYTES} is refused (the
 * client is disconnected), as Mosquitto in cluster mode does. Sessions and queues are kept in memory: the broker lives and dies
 * with the process that embeds it, and HiveMQ's disk stores take over 500 MB at start and keep growing.
 *
 * <p>So that a publish the broker acknowledged survives the process being killed, an {@link InboundPublishes} can
 * take publishes before they are acknowledged (an extension's publish interceptor, answering asynchronously): local
 * mode hands device messages to the bridge this way, and a device is told "received" once Kafka has its message.
 *
 * <p>With an {@link MqttAccessPolicy} every client must authenticate and may use only the topics of its grant; without
 * one the broker is open, as tests of the bridge alone want it.
 */
public final class EmbeddedMqttBroker implements AutoCloseable {

    private static final String INCOMING_PUBLISHES = "com.hivemq.messages.incoming.publish.count";
    private static final long MAX_QUEUED_MESSAGES_PER_CLIENT = 1_000_000;
    /**
     * QoS 1 publishes a client may have unacknowledged at once: with the packet limit, what one client can make the
     * broker hold (100 x 320 KiB); a publisher waits for acknowledgements beyond it.
     */
    private static final int RECEIVE_MAXIMUM = 100;

    private final EmbeddedHiveMQ hivemq;
    private final int port;

    private EmbeddedMqttBroker(EmbeddedHiveMQ hivemq, int port) {
        this.hivemq = hivemq;
        this.port = port;
    }

    /** Starts the broker with its configuration and work files in {@code folder}; port 0 picks a free one. */
    public static EmbeddedMqttBroker start(int port, Path folder) {
        return start(port, folder, null, null);
    }

    /** As {@link #start(int, Path)}, with only the clients {@code access} admits, to the topics it grants. */
    public static EmbeddedMqttBroker start(int port, Path folder, MqttAccessPolicy access) {
        return start(port, folder, null, access);
    }

    /**
     * As {@link #start(int, Path)}, with {@code inbound} (or null) taking the publishes it takes before they are
     * acknowledged and {@code access} (or null for an open broker) deciding who may connect.
     */
    public static EmbeddedMqttBroker start(int port, Path folder, InboundPublishes inbound, MqttAccessPolicy access) {
        int listenPort = port == 0 ? FreePorts.pick() : port;
        try {
            Path config = Files.createDirectories(folder.resolve("conf"));
            Path data = Files.createDirectories(folder.resolve("data"));
            Path extensions = Files.createDirectories(folder.resolve("extensions"));
            Files.writeString(config.resolve("config.xml"), configXml(listenPort), StandardCharsets.UTF_8);
            EmbeddedHiveMQBuilder builder = EmbeddedHiveMQ.builder()
                    .withConfigurationFolder(config)
                    .withDataFolder(data)
                    .withExtensionsFolder(extensions)
                    .withoutLoggingBootstrap();
            if (access != null || inbound != null) {
                builder.withEmbeddedExtension(extension(inbound, access));
            }
            EmbeddedHiveMQ hivemq = builder.build();
            hivemq.start().get();
            return new EmbeddedMqttBroker(hivemq, listenPort);
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare the MQTT broker's folders in " + folder, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the MQTT broker", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot start the embedded MQTT broker on port " + listenPort, e.getCause());
        }
    }

    /** The broker takes one embedded extension: this one registers each part asked for. */
    private static EmbeddedExtension extension(InboundPublishes inbound, MqttAccessPolicy access) {
        return EmbeddedExtension.builder()
                .withId("plantline")
                .withName("Plantline access control and inbound publishes")
                .withVersion("1")
                .withExtensionMain(new ExtensionMain() {
                    @Override
                    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
                        MqttAccessControl control = access == null ? null : MqttAccessControl.register(access);
                        if (inbound != null) {
                            InboundPublishInterceptor.register(inbound,
                                    control == null ? (clientId, topic) -> true : control::allowsPublish);
                        }
                    }

                    @Override
                    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
                    }
                })
                .build();
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    /** PUBLISH packets received from clients since start, as the broker counts them. */
    public long incomingPublishes() {
        Counter counter = hivemq.getMetricRegistry().getCounters().get(INCOMING_PUBLISHES);
        return counter == null ? 0 : counter.getCount();
    }

    @Override
    public void close() throws ExecutionException, InterruptedException {
        hivemq.close();
    }

    private static String configXml(int port) {
        return """
                <?xml version="1.0"?>
                <hivemq>
                  <listeners>
                    <tcp-listener>
                      <port>%d</port>
                      <bind-address>127.0.0.1</bind-address>
                    </tcp-listener>
                  </listeners>
                  <mqtt>
                    <queued-messages>
                      <max-queue-size>%d</max-queue-size>
                    </queued-messages>
                    <packets>
                      <max-packet-size>%d</max-packet-size>
                    </packets>
                    <receive-maximum>
                      <server-receive-maximum>%d</server-receive-maximum>
                    </receive-maximum>
                  </mqtt>
                  <persistence>
                    <mode>in-memory</mode>
                  </persistence>
                  <anonymous-usage-statistics>
                    <enabled>false</enabled>
                  </anonymous-usage-statistics>
                </hivemq>
                """.formatted(port, MAX_QUEUED_MESSAGES_PER_CLIENT, Limits.MAX_MQTT_PACKET_BYTES, RECEIVE_MAXIMUM);
    }
}
