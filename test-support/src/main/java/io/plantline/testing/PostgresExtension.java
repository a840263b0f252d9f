package io.plantline.testing;

import io.plantline.embedded.EmbeddedPostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class a {@link TestDatabase}: a fresh schema on the embedded PostgreSQL started once per
 * JVM, or on the server named by {@code PLANTLINE_TEST_JDBC_URL}. The schema is dropped after the class.
 */
public final class PostgresExtension implements ParameterResolver, AfterAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        ExtensionContext classContext = classContext(context);
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(TestDatabase.class,
                key -> createSchema(serverUrl(context)), TestDatabase.class);
    }

    @Override
    public void afterAll(ExtensionContext context) throws SQLException {
        TestDatabase database = context.getStore(NAMESPACE).remove(TestDatabase.class, TestDatabase.class);
        if (database != null) {
            try (Connection connection = DriverManager.getConnection(serverUrl(context));
                 Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA " + database.schema() + " CASCADE");
            }
        }
    }

    private static String serverUrl(ExtensionContext context) {
        return ExternalServers.get(ExternalServers.JDBC_URL).orElseGet(() ->
                SharedServers.get(context, EmbeddedPostgresServer.class, () -> {
                    try {
                        return EmbeddedPostgresServer.start(0, Files.createTempDirectory("plantline-pg"), true);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).jdbcUrl());
    }

    private static TestDatabase createSchema(String serverUrl) {
        String schema = "t_" + UniqueNames.suffix();
        try (Connection connection = DriverManager.getConnection(serverUrl);
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test schema on " + serverUrl, e);
        }
        String separator = serverUrl.contains("?") ? "&" : "?";
        return new TestDatabase(serverUrl + separator + "currentSchema=" + schema, schema);
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }
}
