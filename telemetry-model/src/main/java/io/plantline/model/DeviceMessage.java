package io.plantline.model;

import java.time.Instant;

/**
 * Something a device sent, validated: who sent it, its own timestamp {@code ts} (event time),
 * when the platform received it ({@code receivedAt}, set by the bridge or the ingestion API), and what makes a
 * second delivery of it the same message ({@code id}).
 */
public sealed interface DeviceMessage
        permits TelemetryReading, MachineStateChange, PartCount, Heartbeat, OtaProgress {

    DeviceRef device();

    Instant ts();

    Instant receivedAt();

    MessageKind kind();

    MessageId id();
}
