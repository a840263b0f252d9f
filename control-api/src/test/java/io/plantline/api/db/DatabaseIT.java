package io.plantline.api.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class DatabaseIT {

    @Test
    void aQueryOverTheStatementTimeoutIsCancelledAndReportedAsSuch(TestDatabase test) {
        try (Database database = new Database(test.jdbcUrl(), 1, Duration.ofMillis(200))) {
            assertThatThrownBy(() -> database.one("SELECT pg_sleep(2)", row -> 1))
                    .isInstanceOfSatisfying(Database.DatabaseException.class,
                            failure -> assertThat(failure.sqlState()).isEqualTo("57014"));
            assertThat(database.one("SELECT 41 + ?", row -> row.getInt(1), 1)).contains(42);
        }
    }

    @Test
    void aFailedTransactionLeavesNothingBehind(TestDatabase test) {
        try (Database database = new Database(test.jdbcUrl(), 1, Duration.ofSeconds(5))) {
            database.update("CREATE TABLE IF NOT EXISTS t (v int PRIMARY KEY)");
            assertThatThrownBy(() -> database.transaction(tx -> {
                tx.update("INSERT INTO t VALUES (1)");
                return tx.update("INSERT INTO t VALUES (1)");
            })).isInstanceOf(Database.DatabaseException.class);
            assertThat(database.one("SELECT count(*) FROM t", row -> row.getLong(1))).contains(0L);
        }
    }

    /** A time stored and read back is never later than the one written: a deadline stored "now" has passed now. */
    @Test
    void aStoredTimeIsNeverLaterThanTheTimeWritten(TestDatabase test) {
        Instant written = Instant.parse("2026-12-07T12:00:00.000000999Z");
        try (Database database = new Database(test.jdbcUrl(), 1, Duration.ofSeconds(5))) {
            Optional<Instant> read = database.one("SELECT ?::timestamptz", row -> row.getTimestamp(1).toInstant(), written);

            assertThat(read).get().matches(stored -> !stored.isAfter(written), "not after " + written);
        }
    }
}
