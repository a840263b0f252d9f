package io.plantline.api.jobs;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/** When each job last stored rows, from {@code table_writes}, which the jobs' writers keep (migration V12). */
public final class TableWrites {

    private static final String NEWEST_BY_JOB = "SELECT job, max(last_write_at) AS at FROM table_writes GROUP BY job";

    private TableWrites() {
    }

    /** The newest batch each job stored, in any of its tables. */
    public static Map<String, Instant> newestByJob(DataSource database) throws SQLException {
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(5);
            Map<String, Instant> newest = new HashMap<>();
            try (ResultSet rows = statement.executeQuery(NEWEST_BY_JOB)) {
                while (rows.next()) {
                    newest.put(rows.getString("job"), rows.getObject("at", java.time.OffsetDateTime.class).toInstant());
                }
            }
            return newest;
        }
    }
}
