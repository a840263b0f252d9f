package io.plantline.sql;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Brings a PostgreSQL database to the newest schema of {@code sql/migrations}. Every process that uses the
 * database calls it at start-up; Flyway's lock makes concurrent calls safe and a second call a no-op.
 * The schema migrated is the connection's current schema ({@code currentSchema} in the JDBC URL, else
 * {@code public}).
 */
public final class SchemaMigration {

    static final String LOCATION = "classpath:db/plantline";

    private SchemaMigration() {
    }

    /** @return the number of migrations applied now (0 when the schema was already current) */
    public static int apply(DataSource dataSource) {
        MigrateResult result = Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                // A migration edited after it ran is a bug; refuse to start rather than drift.
                .validateOnMigrate(true)
                .load()
                .migrate();
        return result.migrationsExecuted;
    }

    /** The same for a JDBC URL that carries user and password as parameters, if it needs them. */
    public static int apply(String jdbcUrl) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbcUrl);
        return apply(dataSource);
    }
}
