package io.plantline.api.shifts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.db.Database;
import io.plantline.api.devices.DeviceSettingsWriter;
import io.plantline.api.groups.GroupStore;
import io.plantline.api.history.OeeHistory;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Json;
import io.plantline.api.http.Role;
import io.plantline.model.shifts.ShiftCalendar;
import io.plantline.model.shifts.ShiftCalendarJson;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code /calendar} and {@code /groups/{groupId}/calendar}: the shift calendar of the organisation and of a line,
 * which planned production time follows. Admins write one from an {@code effectiveFrom} on (default: now), replacing
 * what was written for the time from then on; a line's machines follow the line's calendar instead of the
 * organisation's, so a machine may be in only one line that has one. Everyone reads the calendar in force and its
 * history. A write publishes the settings of every machine that follows the calendar again, so the OEE job applies it
 * from its {@code effectiveFrom} on, and has the minutes stored since then rewritten ({@link OeeHistory}).
 */
public final class CalendarRoutes {

    private final Database database;
    private final GroupStore groups;
    private final DeviceSettingsWriter settings;
    private final OeeHistory history;
    private final CalendarStore calendars = new CalendarStore();
    private final Clock clock;

    public CalendarRoutes(Database database, GroupStore groups, DeviceSettingsWriter settings, OeeHistory history,
                          Clock clock) {
        this.database = database;
        this.groups = groups;
        this.settings = settings;
        this.history = history;
        this.clock = clock;
    }

    public void register(ApiRoutes routes) {
        routes.get("/calendar", Role.VIEWER, call -> read(call, Optional.empty()));
        routes.put("/calendar", Role.ADMIN, call -> write(call, Optional.empty()));
        routes.delete("/calendar", Role.ADMIN, call -> remove(call, Optional.empty()));
        routes.get("/groups/:groupId/calendar", Role.VIEWER, call -> read(call, group(call)));
        routes.put("/groups/:groupId/calendar", Role.ADMIN, call -> write(call, group(call)));
        routes.delete("/groups/:groupId/calendar", Role.ADMIN, call -> remove(call, group(call)));
    }

    private Optional<String> group(Call call) {
        String groupId = call.path("groupId");
        groups.find(call.org(), groupId).orElseThrow(() -> ApiException.notFound("group"));
        return Optional.of(groupId);
    }

    private Object read(Call call, Optional<String> groupId) {
        return database.transaction(tx -> answer(calendars.periods(tx, call.org(), groupId)));
    }

    private Object write(Call call, Optional<String> groupId) {
        Fields fields = new Fields(call.body(), "shifts", "holidays", "effectiveFrom");
        Instant effectiveFrom = fields.instant("effectiveFrom").orElse(clock.instant());
        ShiftCalendarJson.Read calendar = ShiftCalendarJson.read(fields.node("shifts").orElse(null),
                fields.node("holidays").orElse(null));
        calendar.problems().forEach(fields::problem);
        call.audit(scope(groupId));
        return database.transaction(tx -> {
            List<String> problems = new ArrayList<>(fields.problems());
            if (groupId.isPresent()) {
                calendars.membersOfOtherCalendarGroups(tx, call.org(), groupId.get()).forEach(device ->
                        problems.add("device " + device + " is in another line with a calendar; a machine follows one"));
            }
            ApiException.throwIfAny(problems);
            calendars.write(tx, call.org(), groupId, effectiveFrom,
                    calendar.calendar().map(ShiftCalendarJson::write), clock.instant(), call.principal().email());
            applyToFollowers(tx, call.org(), groupId, effectiveFrom);
            return answer(calendars.periods(tx, call.org(), groupId));
        });
    }

    /** No calendar from {@code effectiveFrom} (default: now) on: every minute is scheduled, or the line follows its organisation's. */
    private Object remove(Call call, Optional<String> groupId) {
        List<String> problems = new ArrayList<>();
        Instant effectiveFrom = call.queryInstant("effectiveFrom", problems).orElse(clock.instant());
        ApiException.throwIfAny(problems);
        call.audit(scope(groupId));
        return database.transaction(tx -> {
            calendars.write(tx, call.org(), groupId, effectiveFrom, Optional.empty(), clock.instant(),
                    call.principal().email());
            applyToFollowers(tx, call.org(), groupId, effectiveFrom);
            return answer(calendars.periods(tx, call.org(), groupId));
        });
    }

    /**
     * Gives the organisation {@code calendar} from {@code effectiveFrom} on if it has never had a calendar, as an admin's
     * {@code PUT /calendar} would (its machines' settings published, their minutes since then rewritten); one it has,
     * or a calendar it removed, is kept. For a start-up that seeds an organisation; answers whether it wrote.
     */
    public boolean writeIfNone(String orgSlug, ShiftCalendar calendar, Instant effectiveFrom, String writtenBy) {
        return database.transaction(tx -> {
            if (!calendars.periods(tx, orgSlug, Optional.empty()).isEmpty()) {
                return false;
            }
            calendars.write(tx, orgSlug, Optional.empty(), effectiveFrom, Optional.of(ShiftCalendarJson.write(calendar)),
                    clock.instant(), writtenBy);
            applyToFollowers(tx, orgSlug, Optional.empty(), effectiveFrom);
            return true;
        });
    }

    /**
     * The machines the calendar may apply to (a line's members, or every machine of the organisation) get their
     * settings again, and their minutes stored since {@code effectiveFrom} are rewritten.
     */
    private void applyToFollowers(Database.Tx tx, String orgSlug, Optional<String> groupId, Instant effectiveFrom)
            throws SQLException {
        List<String> followers = groupId.isPresent() ? groups.members(tx, orgSlug, groupId.get())
                : DeviceSettingsWriter.deviceIds(tx, orgSlug);
        settings.republish(tx, orgSlug, followers);
        for (String deviceId : followers) {
            history.request(tx, orgSlug, deviceId, effectiveFrom);
        }
    }

    /** The calendar in force now (null: none) and every period, oldest first. */
    private ObjectNode answer(List<CalendarStore.Period> periods) {
        Instant now = clock.instant();
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.putNull("calendar");
        answer.putNull("effectiveFrom");
        ArrayNode list = answer.putArray("periods");
        for (CalendarStore.Period period : periods) {
            JsonNode calendar = period.calendar().orElse(null);
            ObjectNode entry = list.addObject().put("effectiveFrom", period.effectiveFrom().toString());
            entry.set("calendar", calendar);
            entry.put("writtenAt", period.writtenAt().toString()).put("writtenBy", period.writtenBy());
            if (!period.effectiveFrom().isAfter(now)) {
                answer.set("calendar", calendar);
                answer.put("effectiveFrom", period.effectiveFrom().toString());
            }
        }
        return answer;
    }

    private static String scope(Optional<String> groupId) {
        return groupId.map(group -> "group/" + group + "/calendar").orElse("calendar");
    }
}
