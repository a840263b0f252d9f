package io.plantline.pipeline.oee;

import io.plantline.config.JdbcAddress;
import io.plantline.pipeline.sink.PostgresTable;

/**
 * Writes the OEE job's columns of {@code devices}: the machine's current state and since when. The row exists
 * already (the API creates devices; a machine without a row is not written). Only a newer or equally new event
 * changes it, so the table ends the same whatever the order of delivery, duplicates and replays included.
 */
public final class MachineStatesTable {

    static final String UPDATE = "UPDATE devices SET machine_state = ?, machine_state_since = ?, updated_at = now()"
            + " WHERE org_slug = ? AND device_id = ? AND (machine_state_since IS NULL OR machine_state_since <= ?)";

    private MachineStatesTable() {
    }

    public static PostgresTable<MachineStateRow> table(JdbcAddress database) {
        return new PostgresTable<>(database, "devices", UPDATE, PostgresTable.eachRow((statement, row) -> {
            statement.setString(1, row.state().name());
            statement.setObject(2, PostgresTable.timestamp(row.since()));
            statement.setString(3, row.orgSlug());
            statement.setString(4, row.deviceId());
            statement.setObject(5, PostgresTable.timestamp(row.since()));
        }), row -> row.orgSlug() + '/' + row.deviceId());
    }
}
