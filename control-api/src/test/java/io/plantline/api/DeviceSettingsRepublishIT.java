package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.api.db.Database;
import io.plantline.api.db.StatementCounter;
import io.plantline.api.devices.DeviceSettingsWriter;
import io.plantline.api.devices.DeviceStore;
import io.plantline.api.history.OeeHistory;
import io.plantline.api.profiles.ProfileStore;
import io.plantline.api.shifts.DeviceCalendars;
import io.plantline.model.DeviceSettings;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Republishing an organisation's settings (after a change of its calendar or zone) costs the same statements for any size. */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class DeviceSettingsRepublishIT {

    private static final Map<String, Object> EARLY = Map.of("name", "Early", "days", List.of("MON", "TUE", "WED", "THU", "FRI"),
            "start", "06:00", "end", "14:00");
    private static final Map<String, Object> LATE = Map.of("name", "Late", "days", List.of("MON", "TUE", "WED", "THU", "FRI"),
            "start", "14:00", "end", "22:00");
    /** A Tuesday afternoon in UTC: the late shift, not the early one. */
    private static final Instant TUESDAY_AFTERNOON = Instant.parse("2026-12-08T15:00:00Z");

    private static TestApi server;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        server = TestApi.start(database, kafka);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void republishingEveryDeviceReadsTheCalendarsOnceHoweverManyDevices() throws SQLException {
        List<Integer> statements = new ArrayList<>();
        for (int machines : List.of(4, 40)) {
            TestApi.Org org = server.organisation(TestApi.uniqueSlug("republish"));
            List<String> deviceIds = IntStream.rangeClosed(1, machines).mapToObj(i -> "m" + i).toList();
            deviceIds.forEach(device -> server.call("POST", "/devices", org.operatorToken(), Map.of("deviceId", device)));
            // Half the machines are on a line with a calendar of its own, the rest follow the organisation's.
            List<String> lined = deviceIds.subList(0, machines / 2);
            assertThat(server.call("POST", "/groups", org.operatorToken(), Map.of("groupId", "line-1", "name", "Line 1",
                    "deviceIds", lined)).status()).isEqualTo(201);
            assertThat(server.call("PUT", "/calendar", org.adminToken(), Map.of("shifts", List.of(EARLY, LATE),
                    "effectiveFrom", "2026-12-01T00:00:00Z")).status()).isEqualTo(200);
            assertThat(server.call("PUT", "/groups/line-1/calendar", org.adminToken(), Map.of("shifts", List.of(EARLY),
                    "effectiveFrom", "2026-12-01T00:00:00Z")).status()).isEqualTo(200);

            try (Database database = new Database(server.database.jdbcUrl(), 1, Duration.ofSeconds(10));
                 ApiKafka kafka = new ApiKafka(server.kafka.bootstrapServers())) {
                DeviceCalendars calendars = new DeviceCalendars();
                DeviceSettingsWriter writer = new DeviceSettingsWriter(new DeviceStore(database, server.clock),
                        new ProfileStore(database), calendars, new OeeHistory(database, calendars, server.clock), kafka,
                        server.clock);
                statements.add(StatementCounter.count(database, tx -> {
                    writer.republishAll(tx, org.slug());
                    return null;
                }));
            }

            Map<String, DeviceSettings> published = new HashMap<>();
            server.kafka.read(Topics.RULES, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream()
                    .filter(record -> record.key().startsWith(org.slug() + "/device/") && record.value() != null)
                    .forEach(record -> published.put(record.key(), (DeviceSettings) RecordJson.readRulesTopicValue(record.value())));
            for (String device : deviceIds) {
                assertThat(published.get(org.slug() + "/device/" + device).calendar().schedules(TUESDAY_AFTERNOON))
                        .as("%s follows %s", device, lined.contains(device) ? "its line's early shift" : "the organisation's late one")
                        .isEqualTo(!lined.contains(device));
            }
        }
        assertThat(statements.get(1)).as("statements for 4 and for 40 machines: %s", statements).isEqualTo(statements.get(0));
    }
}
