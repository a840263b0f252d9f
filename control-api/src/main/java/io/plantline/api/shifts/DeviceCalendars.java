package io.plantline.api.shifts;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.db.Database;
import io.plantline.model.shifts.CalendarSchedule;
import io.plantline.model.shifts.ShiftCalendar;
import io.plantline.model.shifts.ShiftCalendarJson;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The shift calendars a machine follows over time, as the OEE job receives them in the device's settings: at each
 * moment its line's calendar where one of its lines has one in force then, else its organisation's, read in the
 * organisation's time zone.
 */
public final class DeviceCalendars {

    private final CalendarStore calendars = new CalendarStore();

    public CalendarSchedule of(Database.Tx tx, String orgSlug, String deviceId) throws SQLException {
        ZoneId zone = ZoneId.of(tx.one("SELECT coalesce(time_zone, 'UTC') FROM organisations WHERE slug = ?",
                row -> row.getString(1), orgSlug).orElse("UTC"));
        List<CalendarStore.Period> organisation = calendars.periods(tx, orgSlug, Optional.empty());
        List<List<CalendarStore.Period>> lines = new ArrayList<>();
        for (String groupId : tx.list("SELECT DISTINCT c.group_id FROM shift_calendars c JOIN device_group_members m"
                + " ON m.org_slug = c.org_slug AND m.group_id = c.group_id WHERE m.org_slug = ? AND m.device_id = ?"
                + " ORDER BY 1", row -> row.getString(1), orgSlug, deviceId)) {
            lines.add(calendars.periods(tx, orgSlug, Optional.of(groupId)));
        }
        TreeSet<Instant> changes = new TreeSet<>();
        organisation.forEach(period -> changes.add(period.effectiveFrom()));
        lines.forEach(line -> line.forEach(period -> changes.add(period.effectiveFrom())));
        List<CalendarSchedule.Period> periods = new ArrayList<>();
        for (Instant change : changes) {
            Optional<JsonNode> inForce = lines.stream().map(line -> inForce(line, change)).flatMap(Optional::stream)
                    .findFirst().or(() -> inForce(organisation, change));
            periods.add(new CalendarSchedule.Period(change, zone, inForce.map(DeviceCalendars::calendar)));
        }
        return CalendarSchedule.of(periods);
    }

    /**
     * Members of the line that are also in another line with a calendar, as {@code "device (other line)"}, when this
     * line has a calendar: a machine follows one line's calendar.
     */
    public List<String> membersFollowingAnotherLine(Database.Tx tx, String orgSlug, String groupId) throws SQLException {
        List<CalendarStore.Period> periods = calendars.periods(tx, orgSlug, Optional.of(groupId));
        boolean hasCalendar = !periods.isEmpty() && periods.get(periods.size() - 1).calendar().isPresent();
        return hasCalendar ? calendars.membersOfOtherCalendarGroups(tx, orgSlug, groupId) : List.of();
    }

    /** The calendar of the period in force at {@code at}, empty when none is. */
    private static Optional<JsonNode> inForce(List<CalendarStore.Period> periods, Instant at) {
        TreeMap<Instant, Optional<JsonNode>> byTime = new TreeMap<>();
        periods.forEach(period -> byTime.put(period.effectiveFrom(), period.calendar()));
        Map.Entry<Instant, Optional<JsonNode>> entry = byTime.floorEntry(at);
        return entry == null ? Optional.empty() : entry.getValue();
    }

    /** A stored calendar was valid when written, so it reads. */
    private static ShiftCalendar calendar(JsonNode stored) {
        return ShiftCalendarJson.read(stored.get("shifts"), stored.get("holidays")).calendar().orElseThrow();
    }
}
