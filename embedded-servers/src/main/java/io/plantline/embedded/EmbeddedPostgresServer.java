package io.plantline.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A PostgreSQL server run from the binaries on the classpath. Its data directory is kept between runs
 * (local mode) unless {@code clean} is set (tests); a kept server is stopped only by {@link #close()}, so its owner
 * decides when, after whatever uses it.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    public static final String DATABASE = "postgres";
    public static final String USER = "postgres";

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static EmbeddedPostgresServer start(int port, Path dataDirectory, boolean clean) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(clean)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    // Exactly-once JDBC sinks use XA, which needs prepared transactions.
                    .setServerConfig("max_prepared_transactions", "32")
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("timezone", "UTC");
            if (!clean) {
                // Kept data must survive a crash: undo the embedded defaults that trade safety for speed.
                builder.setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
                // Its owner stops it after everything that uses it (local mode's stop order); the library's own JVM
                // shutdown hook would stop it at once, beside the others, while they still need it.
                builder.setRegisterShutdownHook(false);
            }
            if (port != 0) {
                builder.setPort(port);
            }
            return new EmbeddedPostgresServer(builder.start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the embedded PostgreSQL server in " + dataDirectory, e);
        }
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl(USER, DATABASE);
    }

    public int port() {
        return postgres.getPort();
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
