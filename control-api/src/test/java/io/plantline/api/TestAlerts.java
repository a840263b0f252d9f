package io.plantline.api;

import io.plantline.model.AlertEvent;
import io.plantline.model.AlertStatus;
import io.plantline.model.AlertTransition;
import io.plantline.model.DeviceRef;
import io.plantline.model.Severity;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** An alert opening as the alerting job opens one: its row in {@code alerts} and its record on the alerts topic. */
final class TestAlerts {

    private TestAlerts() {
    }

    /** A MAJOR alert of rule {@code hot} on {@code temperature} at {@code value}, opened now; answers its id. */
    static UUID open(TestApi server, String orgSlug, String deviceId, double value) throws Exception {
        UUID alertId = UUID.randomUUID();
        Instant now = Instant.now();
        server.database.execute("INSERT INTO alerts (id, org_slug, device_id, rule_id, metric, severity, status, opened_at,"
                + " last_value, peak_value) VALUES ('" + alertId + "', '" + orgSlug + "', '" + deviceId + "', 'hot',"
                + " 'temperature', 'MAJOR', 'ACTIVE', now(), " + value + ", " + value + ")");
        server.kafka.produce(Topics.ALERTS, orgSlug + "/" + deviceId, RecordJson.write(new AlertEvent(alertId.toString(),
                new DeviceRef(orgSlug, deviceId), "hot", "temperature", Severity.MAJOR, AlertStatus.ACTIVE,
                AlertTransition.OPENED, now, now, Optional.of(value), Optional.of(value), Optional.empty())));
        return alertId;
    }
}
