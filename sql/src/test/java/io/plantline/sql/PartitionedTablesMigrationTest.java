package io.plantline.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * V36 on a populated schema: a database at V35 with minutes, hours, days, group hours, stop minutes and anomalies over
 * two months is migrated in place; every row is still there, in a partition of its own (none in a default
 * partition), the views read the new tables, and the writers' upserts still overwrite by natural key.
 */
@ExtendWith(PostgresExtension.class)
class PartitionedTablesMigrationTest {

    private static final List<String> TABLES = List.of("telemetry_1m", "oee_1m", "oee_stop_minutes", "telemetry_1h",
            "oee_1h", "oee_group_1h", "telemetry_1d", "oee_1d", "anomalies");
    private static final Map<String, Map<String, Object>> BEFORE = new LinkedHashMap<>();
    private static final Map<String, Map<String, Object>> AFTER = new LinkedHashMap<>();

    @BeforeAll
    static void migrateAPopulatedSchema(TestDatabase database) throws SQLException {
        Flyway.configure().dataSource(database.jdbcUrl(), null, null).locations(SchemaMigration.LOCATION)
                .target("35").load().migrate();
        database.execute("INSERT INTO organisations (slug, name, time_zone) VALUES ('berlin', 'Berlin', 'Europe/Berlin')");
        database.execute("INSERT INTO devices (org_slug, device_id, name, write_key_hash) VALUES"
                + " ('berlin', 'press-0', 'Press 0', 'h'), ('berlin', 'press-1', 'Press 1', 'h')");
        database.execute("INSERT INTO device_groups (org_slug, group_id, name) VALUES ('berlin', 'line-1', 'Line 1')");
        database.execute("INSERT INTO device_group_members VALUES ('berlin', 'line-1', 'press-0'),"
                + " ('berlin', 'line-1', 'press-1')");
        // Every 97th minute of 2026-03-25 .. 2026-04-05 for two machines: days, months and a daylight-saving change.
        database.execute("""
                DO $$
                DECLARE m timestamptz;
                BEGIN
                    FOR m IN SELECT generate_series(timestamptz '2026-03-25T00:00:00Z', '2026-04-05T00:00:00Z',
                                                    interval '97 minutes') LOOP
                        CALL upsert_telemetry_minute('berlin', 'press-0', 'temperature', m, 6, 20, 24, 22, 1.5);
                        CALL upsert_telemetry_minute('berlin', 'press-1', 'pressure', m, 3, 1, 2, 1.5, 0.4);
                        CALL upsert_oee_minute('berlin', 'press-0', m, 60000, 45000, 10, 9, 3000, 30000, 27000,
                                               0.75, 0.667, 0.9, 0.45, false);
                        CALL upsert_oee_minute('berlin', 'press-1', m, 60000, 60000, 20, 20, 3000, 60000, 60000,
                                               1, 1, 1, 1, false);
                        INSERT INTO oee_stop_minutes VALUES ('berlin', 'press-0', m, m - interval '5 minutes', 15000);
                        INSERT INTO anomalies VALUES ('berlin', 'press-1', 'pressure', m + interval '7 seconds', 9, 4.5,
                                                      'zscore');
                    END LOOP;
                END
                $$""");
        for (String table : TABLES) {
            BEFORE.put(table, contents(database, table));
        }

        SchemaMigration.apply(database.jdbcUrl());
        for (String table : TABLES) {
            AFTER.put(table, contents(database, table));
        }
    }

    @Test
    void everyRowIsStillThere(TestDatabase database) throws SQLException {
        for (String table : TABLES) {
            assertThat(BEFORE.get(table).get("rows")).as(table).isNotEqualTo(0L);
            assertThat(AFTER.get(table)).as(table).isEqualTo(BEFORE.get(table));
        }
    }

    @Test
    void everyTableIsPartitionedAndNoRowWaitsInTheDefaultPartition(TestDatabase database) throws SQLException {
        for (String table : TABLES) {
            assertThat(database.query("SELECT relkind::text FROM pg_class WHERE oid = '" + table + "'::regclass"))
                    .as(table).containsExactly(Map.of("relkind", "p"));
            assertThat(database.query("SELECT count(*) AS n FROM " + table + "_default"))
                    .as(table).containsExactly(Map.of("n", 0L));
        }
        assertThat(database.query("SELECT partition_name, lower_bound::text FROM table_partitions('telemetry_1m')"
                + " ORDER BY lower_bound")).hasSize(11).first()
                .isEqualTo(Map.of("partition_name", "telemetry_1m_p20260325", "lower_bound", "2026-03-25 00:00:00+00"));
        assertThat(database.query("SELECT partition_name FROM table_partitions('oee_1h') ORDER BY 1"))
                .extracting(row -> row.get("partition_name")).containsExactly("oee_1h_p202603", "oee_1h_p202604");
    }

    @Test
    void theViewsReadThePartitionedTables(TestDatabase database) throws SQLException {
        assertThat(database.query("SELECT (SELECT count(*) FROM kpi_telemetry_minutes) = (SELECT count(*) FROM"
                + " telemetry_1m) AND (SELECT count(*) FROM kpi_oee_line_hours) = (SELECT count(*) FROM oee_group_1h)"
                + " AND (SELECT count(*) FROM kpi_anomalies) = (SELECT count(*) FROM anomalies) AS same"))
                .containsExactly(Map.of("same", true));
        assertThat(database.query("SELECT count(*) AS n FROM kpi_telemetry_minutes")).isNotEqualTo(List.of(Map.of("n", 0L)));
    }

    @Test
    void theWritersUpsertsStillOverwriteByNaturalKey(TestDatabase database) throws SQLException {
        String minute = "'2026-03-25T00:00:00Z'";
        database.execute("CALL upsert_telemetry_minute('berlin', 'press-0', 'temperature', " + minute
                + ", 2, 30, 30, 30, 0)");
        database.execute("CALL upsert_oee_minute('berlin', 'press-0', " + minute
                + ", 60000, 30000, 5, 5, 3000, 15000, 15000, 0.5, 0.5, 1, 0.25, false)");
        for (int i = 0; i < 2; i++) {
            database.execute("INSERT INTO anomalies (org_slug, device_id, metric, ts, value, score, method)"
                    + " VALUES ('berlin', 'press-1', 'pressure', " + minute + ", 10, 5, 'zscore')"
                    + " ON CONFLICT (org_slug, device_id, metric, ts) DO UPDATE SET"
                    + " value = EXCLUDED.value, score = EXCLUDED.score, method = EXCLUDED.method");
        }

        assertThat(database.query("SELECT count(*) AS n, max(max) AS max FROM telemetry_1m"))
                .containsExactly(Map.of("n", BEFORE.get("telemetry_1m").get("rows"), "max", 30.0));
        assertThat(database.query("SELECT count, max FROM telemetry_1h WHERE device_id = 'press-0'"
                + " AND bucket_start = " + minute)).containsExactly(Map.of("count", 2L, "max", 30.0));
        assertThat(database.query("SELECT count(*) AS n FROM oee_1m"))
                .containsExactly(Map.of("n", BEFORE.get("oee_1m").get("rows")));
        assertThat(database.query("SELECT run_ms FROM oee_1h WHERE device_id = 'press-0' AND bucket_start = " + minute))
                .containsExactly(Map.of("run_ms", 30000L));
        assertThat(database.query("SELECT count(*) AS n FROM anomalies"))
                .containsExactly(Map.of("n", (long) BEFORE.get("anomalies").get("rows") + 1));
    }

    /** A table's row count and a digest of all its rows in a fixed order. */
    private static Map<String, Object> contents(TestDatabase database, String table) throws SQLException {
        return database.query("SELECT count(*) AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest"
                + " FROM " + table + " t").get(0);
    }
}
