package io.plantline.api.db;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** How many statements a piece of code sends to the database: it runs in a transaction whose statements are counted. */
public final class StatementCounter {

    private static final Set<String> STATEMENTS = Set.of("prepareStatement", "createStatement", "prepareCall");

    private StatementCounter() {
    }

    /** Runs {@code work} in a transaction of {@code database} that is committed, and returns the statements it prepared. */
    public static int count(Database database, Database.Work<?> work) throws SQLException {
        AtomicInteger statements = new AtomicInteger();
        try (Connection connection = database.dataSource().getConnection()) {
            Connection counted = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, arguments) -> {
                        if (STATEMENTS.contains(method.getName())) {
                            statements.incrementAndGet();
                        }
                        try {
                            return method.invoke(connection, arguments);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            connection.setAutoCommit(false);
            work.run(new Database.Tx(counted));
            connection.commit();
        }
        return statements.get();
    }
}
