package io.plantline.api.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.plantline.config.JdbcAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The API's PostgreSQL access: a pool whose connections carry a statement timeout, and parameterised
 * statements only (values are always bound, never spliced into SQL). A transaction is a function of a
 * {@link Tx}; it commits when the function returns and rolls back when it throws.
 */
public final class Database implements AutoCloseable {

    @FunctionalInterface
    public interface Rows<T> {
        T map(ResultSet row) throws SQLException;
    }

    @FunctionalInterface
    public interface Work<T> {
        T run(Tx tx) throws SQLException;
    }

    private final HikariDataSource pool;

    public Database(String jdbcUrl, int poolSize, Duration statementTimeout) {
        this(JdbcAddress.of(jdbcUrl), poolSize, statementTimeout);
    }

    public Database(JdbcAddress address, int poolSize, Duration statementTimeout) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(address.url());
        config.setDataSourceProperties(address.withLogin(new java.util.Properties()));
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("control-api");
        // A runaway query must not hold a connection (and a dashboard) for minutes.
        config.setConnectionInitSql("SET statement_timeout = " + statementTimeout.toMillis());
        this.pool = new HikariDataSource(config);
    }

    public DataSource dataSource() {
        return pool;
    }

    public <T> T transaction(Work<T> work) {
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(new Tx(connection));
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    public <T> List<T> list(String sql, Rows<T> rows, Object... parameters) {
        return transaction(tx -> tx.list(sql, rows, parameters));
    }

    public <T> Optional<T> one(String sql, Rows<T> rows, Object... parameters) {
        return transaction(tx -> tx.one(sql, rows, parameters));
    }

    public int update(String sql, Object... parameters) {
        return transaction(tx -> tx.update(sql, parameters));
    }

    /** Hands each row to {@code rows} as the server sends it, {@code fetchSize} at a time: a result of any size. */
    public void forEach(String sql, int fetchSize, RowHandler rows, Object... parameters) {
        transaction(tx -> {
            tx.forEach(sql, fetchSize, rows, parameters);
            return null;
        });
    }

    /** What {@link #forEach} does with each row. */
    public interface RowHandler {
        void handle(ResultSet row) throws SQLException;
    }

    @Override
    public void close() {
        pool.close();
    }

    /** Statements on one connection, inside one transaction. */
    public static final class Tx {
        private final Connection connection;

        Tx(Connection connection) {
            this.connection = connection;
        }

        public <T> List<T> list(String sql, Rows<T> rows, Object... parameters) throws SQLException {
            try (PreparedStatement statement = prepare(sql, parameters); ResultSet result = statement.executeQuery()) {
                List<T> items = new ArrayList<>();
                while (result.next()) {
                    items.add(rows.map(result));
                }
                return items;
            }
        }

        public <T> Optional<T> one(String sql, Rows<T> rows, Object... parameters) throws SQLException {
            List<T> items = list(sql, rows, parameters);
            return items.isEmpty() ? Optional.empty() : Optional.of(items.get(0));
        }

        /** A cursor over the result (the transaction keeps it open), {@code fetchSize} rows per round trip. */
        public void forEach(String sql, int fetchSize, RowHandler rows, Object... parameters) throws SQLException {
            try (PreparedStatement statement = prepare(sql, parameters)) {
                statement.setFetchSize(fetchSize);
                try (ResultSet result = statement.executeQuery()) {
                    while (result.next()) {
                        rows.handle(result);
                    }
                }
            }
        }

        public int update(String sql, Object... parameters) throws SQLException {
            try (PreparedStatement statement = prepare(sql, parameters)) {
                return statement.executeUpdate();
            }
        }

        /**
         * Runs {@code work} under a savepoint: when it throws, its statements are undone and the exception passed on,
         * while the transaction, its locks and what it did before stay, so the caller can still record the failure.
         */
        public <T> T withSavepoint(Work<T> work) throws SQLException {
            Savepoint savepoint = connection.setSavepoint();
            try {
                T result = work.run(this);
                connection.releaseSavepoint(savepoint);
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback(savepoint);
                throw e;
            }
        }

        private PreparedStatement prepare(String sql, Object... parameters) throws SQLException {
            PreparedStatement statement = connection.prepareStatement(sql);
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, bindable(parameters[i]));
            }
            return statement;
        }

        private Object bindable(Object value) throws SQLException {
            if (value instanceof Instant instant) {
                // PostgreSQL keeps microseconds and would round the rest up: a deadline written as now plus a lifetime
                // would then not yet have passed at exactly now plus that lifetime.
                return Timestamp.from(instant.truncatedTo(ChronoUnit.MICROS));
            }
            if (value instanceof String[] texts) {
                return connection.createArrayOf("text", texts);
            }
            return value;
        }
    }

    /** A failure of the database itself (not of the request): answered with 500 or 503, logged in full. */
    public static final class DatabaseException extends RuntimeException {
        DatabaseException(SQLException cause) {
            super(cause.getMessage(), cause);
        }

        public String sqlState() {
            return ((SQLException) getCause()).getSQLState();
        }
    }

    /** Columns that may be NULL, read as optionals rather than as 0. */
    public static Optional<Instant> instant(ResultSet row, String column) throws SQLException {
        return Optional.ofNullable(row.getTimestamp(column)).map(Timestamp::toInstant);
    }

    public static Double nullableDouble(ResultSet row, String column) throws SQLException {
        double value = row.getDouble(column);
        return row.wasNull() ? null : value;
    }
}
