package io.plantline.pipeline.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.plantline.model.Severity;
import io.plantline.sql.SchemaMigration;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The job's alert upsert against PostgreSQL, beside what the API writes to the same rows. */
@ExtendWith(PostgresExtension.class)
class AlertsTableIT {

    private static final long OPENED = 1_700_000_010_000L;
    private final TestDatabase database;

    AlertsTableIT(TestDatabase database) {
        this.database = database;
        SchemaMigration.apply(database.jdbcUrl());
    }

    @BeforeEach
    void emptyTable() throws SQLException {
        database.execute("TRUNCATE alerts CASCADE");   // and their comments
    }

    @Test
    void aClearAfterAnAcknowledgementKeepsWhoAcknowledgedAndMovesTheStatusOn() throws SQLException {
        AlertRow open = AlertRow.open(signal(OPENED, 85));
        write(open);
        database.execute("UPDATE alerts SET status = 'ACKNOWLEDGED', acknowledged_at = now(), acknowledged_by = 'ana'");

        write(open.followed(signal(OPENED + 20_000, 91)));
        assertThat(statusAndPeak()).isEqualTo(Map.of("status", "ACKNOWLEDGED", "peak_value", 91.0,
                "acknowledged_by", "ana"));

        write(open.cleared(signal(OPENED + 40_000, 70)));
        assertThat(statusAndPeak()).isEqualTo(Map.of("status", "CLEARED", "peak_value", 85.0, "acknowledged_by", "ana"));
    }

    @Test
    void neitherAClearNorAReplayedOpenUndoesAResolution() throws SQLException {
        AlertRow open = AlertRow.open(signal(OPENED, 85));
        write(open);
        database.execute("UPDATE alerts SET status = 'RESOLVED', resolved_at = now(), resolved_by = 'ana'");

        write(open.cleared(signal(OPENED + 40_000, 70)));
        write(open);   // replayed after a restart

        assertThat(database.query("SELECT status, resolved_by, cleared_at IS NOT NULL AS cleared FROM alerts"))
                .containsExactly(Map.of("status", "RESOLVED", "resolved_by", "ana", "cleared", true));
    }

    @Test
    void openingANewAlertClearsAStaleOneTheJobNoLongerKnows() throws SQLException {
        write(AlertRow.open(signal(OPENED, 85)));          // the job then lost its state
        write(AlertRow.open(signal(OPENED + 600_000, 88)));

        assertThat(database.query("SELECT status FROM alerts ORDER BY opened_at"))
                .containsExactly(Map.of("status", "CLEARED"), Map.of("status", "ACTIVE"));
    }

    @Test
    void anOlderAlertArrivingWhileANewerOneIsOpenIsRecordedAsClosed() throws SQLException {
        write(AlertRow.open(signal(OPENED + 600_000, 88)));
        write(AlertRow.open(signal(OPENED, 85)));

        assertThat(database.query("SELECT status FROM alerts ORDER BY opened_at"))
                .containsExactly(Map.of("status", "CLEARED"), Map.of("status", "ACTIVE"));
    }

    private Map<String, Object> statusAndPeak() throws SQLException {
        return database.query("SELECT status, peak_value, acknowledged_by FROM alerts").get(0);
    }

    private void write(AlertRow row) throws SQLException {
        try (Connection connection = database.connect();
             PreparedStatement statement = connection.prepareStatement(AlertsTable.UPSERT)) {
            AlertsTable.bind(statement, row);
            statement.executeUpdate();
        }
    }

    private static AlertSignal signal(long at, double value) {
        return new AlertSignal(AlertSignal.Kind.SUSTAINED, "acme", "press-1", "hot", "temperature", at, value, value,
                Severity.WARNING, true);
    }
}
