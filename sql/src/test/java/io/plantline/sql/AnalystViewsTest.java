package io.plantline.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The analyst views of V31 (docs/analyst-views.md): names, local times, ratios of sums, and what the dashboard role sees. */
@ExtendWith(PostgresExtension.class)
class AnalystViewsTest {

    @BeforeAll
    static void migrate(TestDatabase database) throws SQLException {
        SchemaMigration.apply(database.jdbcUrl());
        database.execute("TRUNCATE oee_1m, oee_1h, oee_1d, oee_group_1h, organisations CASCADE");
        database.execute("INSERT INTO organisations (slug, name, time_zone) VALUES ('berlin', 'Berlin', 'Europe/Berlin')");
        database.execute("INSERT INTO devices (org_slug, device_id, name, write_key_hash) VALUES"
                + " ('berlin', 'press-0', 'Press 0', 'secret-hash'), ('berlin', 'press-1', 'Press 1', 'secret-hash')");
        database.execute("INSERT INTO device_groups (org_slug, group_id, name) VALUES ('berlin', 'line-1', 'Line 1')");
        // The writer keeps oee_group_1h; these sums stand for two machines' hour, one of them without an ideal cycle time.
        database.execute("INSERT INTO oee_group_1h VALUES ('berlin', 'line-1', '2026-12-07T05:00:00Z', 2, 7200000, 5400000,"
                + " 1000, 900, 4000000, 3600000, 0), ('berlin', 'line-1', '2026-12-07T06:00:00Z', 2, 7200000, 3600000,"
                + " 500, 500, 1000000, 1000000, 60)");
        database.execute("INSERT INTO oee_1d (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count,"
                + " good_count, ideal_ms, good_ideal_ms, availability, performance, quality, oee, performance_above_1)"
                + " VALUES ('berlin', 'press-0', '2026-12-06T23:00:00Z', 3600000, 1800000, 10, 9, 900000, 810000,"
                + " 0.5, 0.5, 0.9, 0.225, false)");
    }

    @Test
    void aLinesHourIsTheRatioOfItsMembersSums(TestDatabase database) throws SQLException {
        List<Map<String, Object>> hours = database.query("SELECT line_name, local_start::text, machines, availability,"
                + " performance, quality, oee FROM kpi_oee_line_hours ORDER BY bucket_start");

        assertThat(hours).hasSize(2);
        assertThat(hours.get(0)).containsEntry("line_name", "Line 1").containsEntry("local_start", "2026-12-07 06:00:00")
                .containsEntry("availability", 0.75).containsEntry("quality", 0.9).containsEntry("oee", 0.5);
        assertThat((double) hours.get(0).get("performance")).isEqualTo(4_000_000.0 / 5_400_000);
        assertThat(hours.get(1)).as("a member minute without an ideal cycle time: P and OEE unknown")
                .containsEntry("performance", null).containsEntry("oee", null).containsEntry("availability", 0.5);
    }

    @Test
    void aDayIsNamedByItsLocalDate(TestDatabase database) throws SQLException {
        assertThat(database.query("SELECT machine_name, local_date FROM kpi_oee_machine_days"))
                .containsExactly(Map.of("machine_name", "Press 0", "local_date", java.sql.Date.valueOf(LocalDate.of(2026, 12, 7))));
    }

    @Test
    void theDashboardRoleReadsTheViewsButNoDeviceKeys(TestDatabase database) throws SQLException {
        try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            statement.execute("SET ROLE plantline_dashboards");
            try (var rows = statement.executeQuery("SELECT count(*) FROM kpi_machines")) {
                rows.next();
                assertThat(rows.getLong(1)).isEqualTo(2);
            }
            assertThatThrownBy(() -> statement.executeQuery("SELECT write_key_hash FROM devices"))
                    .hasMessageContaining("permission denied");
        }
        assertThat(database.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'kpi_machines'"
                + " AND table_schema = current_schema() AND column_name LIKE '%key%'")).isEmpty();
    }

    @Test
    void theDashboardRoleReadsTelemetryHoursAndDaysByLocalTime(TestDatabase database) throws SQLException {
        // 00:30 on the 7th in Berlin: the UTC hour 23:00 of the 6th, the local day of the 7th.
        database.execute("CALL upsert_telemetry_minute('berlin', 'press-0', 'temperature', '2026-12-06T23:30:00Z', 2, 1, 3,"
                + " 2, 1)");
        try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            statement.execute("SET ROLE plantline_dashboards");
            try (var rows = statement.executeQuery("SELECT h.machine_name, h.local_start::text, h.count, d.local_date,"
                    + " d.stddev FROM kpi_telemetry_hours h, kpi_telemetry_days d")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("Press 0");
                assertThat(rows.getString(2)).isEqualTo("2026-12-07 00:00:00");
                assertThat(rows.getLong(3)).isEqualTo(2);
                assertThat(rows.getDate(4).toLocalDate()).isEqualTo(LocalDate.of(2026, 12, 7));
                assertThat(rows.getDouble(5)).isEqualTo(1.0);
                assertThat(rows.next()).isFalse();
            }
        }
    }
}
