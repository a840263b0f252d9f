package io.plantline.api.kpis;

import io.plantline.api.db.Conditions;
import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.Call;
import io.plantline.model.DeviceRef;
import io.plantline.model.Limits;
import java.util.List;
import java.util.Optional;

/**
 * The machines a query covers, as every KPI and stop query takes them: {@code deviceId} or {@code groupId}, neither
 * meaning the whole organisation; a device or group the organisation does not have is a 404.
 */
public final class Scopes {

    private final Database database;

    public Scopes(Database database) {
        this.database = database;
    }

    /** Reads {@code deviceId} and {@code groupId}; what is wrong with them goes to {@code problems}. */
    public static KpiQueries.Scope read(Call call, List<String> problems) {
        Optional<String> deviceId = call.query("deviceId", DeviceRef.DEVICE_ID, problems);
        Optional<String> groupId = call.query("groupId", Limits.IDENTIFIER, problems);
        if (call.query("deviceId").isPresent() && call.query("groupId").isPresent()) {
            problems.add("give deviceId or groupId, not both (neither: the whole organisation)");
        }
        return new KpiQueries.Scope(call.org(), deviceId, groupId);
    }

    /** 404 for a device or group the organisation does not have. */
    public void requireExisting(KpiQueries.Scope scope) {
        scope.deviceId().filter(device -> !deviceExists(scope.orgSlug(), device)).ifPresent(device -> {
            throw ApiException.notFound("device");
        });
        scope.groupId().filter(group -> !groupExists(scope.orgSlug(), group)).ifPresent(group -> {
            throw ApiException.notFound("group");
        });
    }

    boolean deviceExists(String orgSlug, String deviceId) {
        return database.one("SELECT 1 FROM devices WHERE org_slug = ? AND device_id = ?", row -> 1, orgSlug, deviceId).isPresent();
    }

    boolean groupExists(String orgSlug, String groupId) {
        return database.one("SELECT 1 FROM device_groups WHERE org_slug = ? AND group_id = ?", row -> 1, orgSlug, groupId).isPresent();
    }

    /**
     * As {@link #restrict}, with a group's members read first and bound as a list: the planner then knows how many rows
     * each machine's table gives (it guesses one member for the subquery), which decides its joins over a month of
     * minutes.
     */
    public Conditions restrictToMembers(Conditions where, KpiQueries.Scope scope, String column) {
        if (scope.groupId().isEmpty()) {
            return restrict(where, scope, column);
        }
        List<String> members = database.list("SELECT device_id FROM device_group_members WHERE org_slug = ? AND group_id = ?",
                row -> row.getString(1), scope.orgSlug(), scope.groupId().get());
        return where.and(column + " = ANY (?)", (Object) members.toArray(String[]::new));
    }

    /** The scope's machines as a condition on {@code column} (a device id column of a table of the organisation). */
    public static Conditions restrict(Conditions where, KpiQueries.Scope scope, String column) {
        where.andIf(scope.deviceId(), column + " = ?");
        // An array of the members (one InitPlan) rather than IN (SELECT ...): PostgreSQL then looks the members up by the
        // table's key, where the semi-join read every machine's rows of the range (a day of minutes for a line of 20
        // among 200 machines: 193 ms against 60 ms).
        scope.groupId().ifPresent(group -> where.and(column + " = ANY (ARRAY(SELECT device_id FROM device_group_members"
                + " WHERE org_slug = ? AND group_id = ?))", scope.orgSlug(), group));
        return where;
    }
}
