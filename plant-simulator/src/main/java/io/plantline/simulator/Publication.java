package io.plantline.simulator;

/** One MQTT message a simulated machine wants sent: topic and payload bytes. */
public record Publication(String topic, byte[] payload) {
}
