package io.plantline.model.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.plantline.model.AlertEvent;
import io.plantline.model.AlertRule;
import io.plantline.model.AlertStatus;
import io.plantline.model.AlertTransition;
import io.plantline.model.Comparison;
import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceCommand;
import io.plantline.model.DeviceRef;
import io.plantline.model.DeviceSettings;
import io.plantline.model.RuleScope;
import io.plantline.model.Severity;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecordJsonTest {

    private static final Instant AT = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void alertRuleRoundTripsThroughTheRulesTopic() {
        AlertRule rule = new AlertRule("r-1", "acme", RuleScope.group("line-2", Set.of("press-7", "press-8")),
                "temperature", Comparison.GREATER, 90, Optional.of(10), Optional.empty(), Optional.of(85.0),
                Severity.WARNING, Optional.of(new AlertRule.Escalation(60, Severity.CRITICAL)), true);

        String json = new String(RecordJson.write(rule), StandardCharsets.UTF_8);

        assertThat(json).contains("\"type\":\"alert-rule\"", "\"operator\":\">\"");
        assertThat(RecordJson.readRulesTopicValue(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(rule);
        assertThat(rule.key()).isEqualTo("acme/rule/r-1");
    }

    @Test
    void deviceSettingsRoundTripThroughTheRulesTopic() {
        DeviceSettings settings = DeviceSettings.of("acme", "press-7", Optional.of(2.5), AT, Map.of("line", "2"));

        assertThat(RecordJson.readRulesTopicValue(RecordJson.write(settings))).isEqualTo(settings);
        assertThat(new String(RecordJson.write(settings), StandardCharsets.UTF_8))
                .contains("\"idealCycle\":[{\"effectiveFrom\":\"2026-11-23T10:00:00Z\",\"idealCycleSeconds\":2.5}]");
        assertThat(settings.key()).isEqualTo("acme/device/press-7");
    }

    @Test
    void deviceSettingsOfEarlierVersionsReadAsAScheduleOfOnePeriod() {
        String json = "{\"type\":\"device-settings\",\"orgSlug\":\"acme\",\"deviceId\":\"press-7\","
                + "\"idealCycleSeconds\":2.5,\"effectiveFrom\":\"2026-11-23T10:00:00Z\",\"metadata\":{}}";

        DeviceSettings settings = (DeviceSettings) RecordJson.readRulesTopicValue(json.getBytes(StandardCharsets.UTF_8));

        assertThat(settings.idealCycle().at(AT)).contains(2.5);
        assertThat(settings.idealCycle().at(AT.minusMillis(1))).isEmpty();
    }

    @Test
    void invalidRuleListsEveryProblemAtOnce() {
        String json = "{\"type\":\"alert-rule\",\"ruleId\":\"r 1\",\"orgSlug\":\"acme\",\"scope\":{\"type\":\"ORGANISATION\"},"
                + "\"metric\":\"temperature\",\"operator\":\">\",\"threshold\":90,\"clearThreshold\":95,"
                + "\"severity\":\"WARNING\",\"enabled\":true}";

        assertThatThrownBy(() -> RecordJson.readRulesTopicValue(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(RecordJson.InvalidRecordException.class)
                .hasMessageContaining("ruleId must match")
                .hasMessageContaining("exactly one of forSeconds and count")
                .hasMessageContaining("clearThreshold must not itself breach");
    }

    @Test
    void otaTargetEventRoundTripsAndIsToldApartFromAlertEvents() {
        io.plantline.model.OtaTargetEvent event = new io.plantline.model.OtaTargetEvent("dep-1",
                new DeviceRef("acme", "press-7"), "FAILED", Optional.of("checksum_mismatch"), Optional.of(100), AT);
        byte[] json = RecordJson.write(event);

        assertThat(RecordJson.readOtaTargetEvent(json)).isEqualTo(event);
        assertThat(RecordJson.isOtaTargetEvent(json)).isTrue();
        assertThat(RecordJson.isOtaTargetEvent(RecordJson.write(new AlertEvent("a-1", new DeviceRef("acme", "press-7"),
                "r-1", "temperature", Severity.MAJOR, AlertStatus.ACTIVE, AlertTransition.OPENED, AT, AT, Optional.empty(),
                Optional.empty(), Optional.empty())))).isFalse();
    }

    @Test
    void alertEventRoundTrips() {
        AlertEvent event = new AlertEvent("a-1", new DeviceRef("acme", "press-7"), "r-1", "temperature",
                Severity.MAJOR, AlertStatus.ACTIVE, AlertTransition.OPENED, AT, AT, Optional.of(93.5),
                Optional.of(93.5), Optional.empty());

        assertThat(RecordJson.readAlertEvent(RecordJson.write(event))).isEqualTo(event);
    }

    @Test
    void commandOnMqttLeavesOutTheAddressee() {
        DeviceCommand command = new DeviceCommand("c-1", new DeviceRef("acme", "press-7"), "ota.update", AT,
                Map.of("sha256", "ab12", "size", 1024));

        assertThat(RecordJson.readDeviceCommand(RecordJson.write(command))).isEqualTo(command);
        assertThat(new String(RecordJson.mqttCommandPayload(command), StandardCharsets.UTF_8))
                .contains("\"commandId\":\"c-1\"", "\"type\":\"ota.update\"", "\"issuedAt\":\"2026-11-23T10:00:00Z\"")
                .doesNotContain("press-7");
    }

    @Test
    void deadLetterKeepsReasonAndRawBytesAndCutsHugeOnes() {
        byte[] huge = new byte[DeadLetter.MAX_RAW_BYTES + 10];
        DeadLetter letter = DeadLetter.of(AT, "bridge", new Rejection(RejectReason.PAYLOAD_TOO_LARGE, "too big"),
                "plantline/acme/press-7/telemetry", "acme/press-7", huge);

        DeadLetter read = RecordJson.readDeadLetter(RecordJson.write(letter));

        assertThat(read).isEqualTo(letter);
        assertThat(read.reason()).isEqualTo("payload_too_large");
        assertThat(read.raw()).hasSize(DeadLetter.MAX_RAW_BYTES);
        assertThat(read.rawSize()).isEqualTo(huge.length);
        assertThat(read.truncated()).isTrue();
    }
}
