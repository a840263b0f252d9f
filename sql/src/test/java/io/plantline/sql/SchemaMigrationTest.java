package io.plantline.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The schema on a real PostgreSQL: the contract's columns and keys, and the rules the database enforces. */
@ExtendWith(PostgresExtension.class)
class SchemaMigrationTest {

    private static final String ALERT_COLUMNS = "INSERT INTO alerts (id, org_slug, device_id, rule_id, metric, severity, status, opened_at)";

    @BeforeAll
    static void migrate(TestDatabase database) {
        assertThat(SchemaMigration.apply(database.jdbcUrl())).isEqualTo(migrationFiles());
    }

    @BeforeEach
    void emptyTables(TestDatabase database) throws SQLException {
        database.execute("TRUNCATE organisations, alerts, telemetry_1m, oee_1m, oee_1h, oee_1d CASCADE");
    }

    @Test
    void secondApplyChangesNothing(TestDatabase database) {
        assertThat(SchemaMigration.apply(database.jdbcUrl())).isZero();
    }

    @Test
    void kpiTablesHaveTheContractColumns(TestDatabase database) throws SQLException {
        assertThat(columns(database, "telemetry_1m")).contains(
                "org_slug", "device_id", "metric", "bucket_start", "count", "min", "max", "avg", "stddev");
        assertThat(columns(database, "oee_1m")).contains("org_slug", "device_id", "bucket_start", "planned_ms",
                "run_ms", "total_count", "good_count", "ideal_cycle_ms", "ideal_ms", "good_ideal_ms", "availability",
                "performance", "quality", "oee");
        for (String rollup : List.of("oee_1h", "oee_1d")) {
            assertThat(columns(database, rollup)).contains("org_slug", "device_id", "bucket_start", "planned_ms",
                    "run_ms", "total_count", "good_count", "ideal_ms", "good_ideal_ms", "availability", "performance",
                    "quality", "oee").doesNotContain("ideal_cycle_ms");
        }
        assertThat(columns(database, "alerts")).contains("id", "org_slug", "device_id", "rule_id", "metric",
                "severity", "status", "opened_at", "last_value", "peak_value", "cleared_at", "acknowledged_at",
                "acknowledged_by", "resolved_at", "resolved_by");
        assertThat(columns(database, "anomalies")).contains(
                "org_slug", "device_id", "metric", "ts", "value", "score", "method");
    }

    @Test
    void timestampsAreTimestamptz(TestDatabase database) throws SQLException {
        // Stored times only: the analyst views add local wall-clock times (local_start) on purpose.
        List<Map<String, Object>> plainTimestamps = database.query("SELECT c.table_name, c.column_name "
                + "FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name) "
                + "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
                + "AND c.data_type = 'timestamp without time zone' AND c.table_name <> 'flyway_schema_history'");
        assertThat(plainTimestamps).isEmpty();
    }

    @Test
    void kpiPrimaryKeysAreTheNaturalKeys(TestDatabase database) throws SQLException {
        assertThat(primaryKey(database, "telemetry_1m")).isEqualTo("org_slug,device_id,metric,bucket_start");
        assertThat(primaryKey(database, "oee_1m")).isEqualTo("org_slug,device_id,bucket_start");
        assertThat(primaryKey(database, "oee_1h")).isEqualTo("org_slug,device_id,bucket_start");
        assertThat(primaryKey(database, "oee_1d")).isEqualTo("org_slug,device_id,bucket_start");
        assertThat(primaryKey(database, "anomalies")).isEqualTo("org_slug,device_id,metric,ts");
        assertThat(primaryKey(database, "devices")).isEqualTo("org_slug,device_id");
    }

    @Test
    void upsertOnTheNaturalKeyOverwritesInsteadOfDuplicating(TestDatabase database) throws SQLException {
        String upsert = "INSERT INTO telemetry_1m (org_slug, device_id, metric, bucket_start, count, min, max, avg, stddev) "
                + "VALUES ('acme', 'press-7', 'temperature', '2026-11-23T10:00:00Z', %d, 70, 72, 71, 0.5) "
                + "ON CONFLICT (org_slug, device_id, metric, bucket_start) DO UPDATE SET count = EXCLUDED.count";
        database.execute(upsert.formatted(10));
        database.execute(upsert.formatted(12));

        assertThat(database.query("SELECT count FROM telemetry_1m")).containsExactly(Map.of("count", 12L));
    }

    @Test
    void onlyOneOpenAlertPerDeviceAndRule(TestDatabase database) throws SQLException {
        database.execute(ALERT_COLUMNS + " VALUES (gen_random_uuid(), 'acme', 'press-7', 'r-1', 'temperature', "
                + "'WARNING', 'CLEARED', '2026-11-23T09:00:00Z')");
        database.execute(ALERT_COLUMNS + " VALUES (gen_random_uuid(), 'acme', 'press-7', 'r-1', 'temperature', "
                + "'WARNING', 'ACTIVE', '2026-11-23T10:00:00Z')");

        assertThatThrownBy(() -> database.execute(ALERT_COLUMNS + " VALUES (gen_random_uuid(), 'acme', 'press-7', "
                + "'r-1', 'temperature', 'WARNING', 'ACKNOWLEDGED', '2026-11-23T10:05:00Z')"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("alerts_one_open_per_device_rule");
        // Another rule on the same device may be open at the same time.
        database.execute(ALERT_COLUMNS + " VALUES (gen_random_uuid(), 'acme', 'press-7', 'r-2', 'temperature', "
                + "'WARNING', 'ACTIVE', '2026-11-23T10:05:00Z')");
    }

    @Test
    void oeeRowsBreakingTheContractAreRefused(TestDatabase database) {
        String insert = "INSERT INTO oee_1m (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count) "
                + "VALUES ('acme', 'press-7', '2026-11-23T10:00:00Z', %d, %d, %d, %d)";

        assertThatThrownBy(() -> database.execute(insert.formatted(30_000, 40_000, 0, 0)))
                .as("run time above planned time").isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> database.execute(insert.formatted(60_001, 0, 0, 0)))
                .as("more than a minute in a minute").isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> database.execute(insert.formatted(60_000, 60_000, 4, 5)))
                .as("more good parts than parts").isInstanceOf(SQLException.class);
    }

    @Test
    void rollupsKeepTheMinuteTablesRulesWithTheirOwnBounds(TestDatabase database) throws SQLException {
        String insert = "INSERT INTO %s (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count) "
                + "VALUES ('acme', 'press-7', '2026-11-23T00:00:00Z', %d, %d, 10, 9)";
        database.execute(insert.formatted("oee_1h", 3_600_000, 3_000_000));
        database.execute(insert.formatted("oee_1d", 90_000_000, 80_000_000));

        assertThatThrownBy(() -> database.execute(insert.formatted("oee_1h", 3_600_001, 0)))
                .as("more than an hour in an hour").isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> database.execute(insert.formatted("oee_1d", 90_000_001, 0)))
                .as("more than 25 hours in a day").isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> database.execute(insert.formatted("oee_1h", 60_000, 70_000)))
                .as("run time above planned time").isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> database.execute(insert.formatted("oee_1d", 90_000_000, 80_000_000)))
                .as("the natural key is the primary key").isInstanceOf(SQLException.class);
    }

    @Test
    void deletingAnOrganisationRemovesItsRegistryRows(TestDatabase database) throws SQLException {
        database.execute("INSERT INTO organisations (slug, name) VALUES ('acme', 'Acme Tools')");
        database.execute("INSERT INTO devices (org_slug, device_id) VALUES ('acme', 'press-7')");
        database.execute("INSERT INTO device_groups (org_slug, group_id, name) VALUES ('acme', 'line-2', 'Line 2')");
        database.execute("INSERT INTO device_group_members VALUES ('acme', 'line-2', 'press-7')");

        database.execute("DELETE FROM organisations WHERE slug = 'acme'");

        assertThat(database.query("SELECT * FROM devices")).isEmpty();
        assertThat(database.query("SELECT * FROM device_group_members")).isEmpty();
    }

    @Test
    void identifiersOutsideTheContractAreRefused(TestDatabase database) throws SQLException {
        assertThatThrownBy(() -> database.execute("INSERT INTO organisations (slug, name) VALUES ('Acme!', 'x')"))
                .isInstanceOf(SQLException.class);
        database.execute("INSERT INTO organisations (slug, name) VALUES ('acme', 'Acme Tools')");
        assertThatThrownBy(() -> database.execute("INSERT INTO devices (org_slug, device_id) VALUES ('acme', '../x')"))
                .isInstanceOf(SQLException.class);
    }

    /** Every file of {@code sql/migrations}, which the build puts on the class path. */
    private static int migrationFiles() {
        try (Stream<Path> files = Files.list(Path.of("migrations"))) {
            return (int) files.filter(file -> file.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> columns(TestDatabase database, String table) throws SQLException {
        return database.query("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                        + "AND table_name = '" + table + "'").stream()
                .map(row -> (String) row.get("column_name")).toList();
    }

    private static String primaryKey(TestDatabase database, String table) throws SQLException {
        return database.query("SELECT a.attname FROM pg_index i "
                        + "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
                        + "WHERE i.indrelid = '" + table + "'::regclass AND i.indisprimary "
                        + "ORDER BY array_position(i.indkey, a.attnum)").stream()
                .map(row -> (String) row.get("attname")).collect(Collectors.joining(","));
    }
}
