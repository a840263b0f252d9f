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
import java.util.Collection;
import java.util.HashMap;
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

    /** The calendars one machine follows. */
    public CalendarSchedule of(Database.Tx tx, String orgSlug, String deviceId) throws SQLException {
        return of(tx, orgSlug, List.of(deviceId)).get(deviceId);
    }

    /**
     * The calendars each of these machines follows, by device id, from the organisation's zone and calendars read
     * once, however many machines: a change of the organisation's calendar republishes every machine's settings.
     */
    public Map<String, CalendarSchedule> of(Database.Tx tx, String orgSlug, Collection<String> deviceIds) throws SQLException {
        ZoneId zone = zone(tx, orgSlug);
        Map<Optional<String>, List<CalendarStore.Period>> periods = calendars.allPeriods(tx, orgSlug);
        List<CalendarStore.Period> organisation = periods.getOrDefault(Optional.empty(), List.of());
        Map<String, List<String>> linesWithCalendars = calendars.linesWithCalendars(tx, orgSlug, deviceIds);
        Map<String, CalendarSchedule> schedules = new HashMap<>();
        for (String deviceId : deviceIds) {
            List<List<CalendarStore.Period>> lines = linesWithCalendars.getOrDefault(deviceId, List.of()).stream()
                    .map(groupId -> periods.get(Optional.of(groupId))).toList();
            schedules.put(deviceId, schedule(zone, organisation, lines));
        }
        return schedules;
    }

    /**
     * The calendars a line's machines follow: the line's own where it has one in force, else the organisation's (the
     * organisation's alone without a line). A member of another line with a calendar follows that one instead.
     */
    public CalendarSchedule ofLine(Database.Tx tx, String orgSlug, Optional<String> groupId) throws SQLException {
        Map<Optional<String>, List<CalendarStore.Period>> periods = calendars.allPeriods(tx, orgSlug);
        List<List<CalendarStore.Period>> line = groupId.map(group -> periods.getOrDefault(Optional.of(group), List.of()))
                .map(List::of).orElse(List.of());
        return schedule(zone(tx, orgSlug), periods.getOrDefault(Optional.empty(), List.of()), line);
    }

    private static ZoneId zone(Database.Tx tx, String orgSlug) throws SQLException {
        return ZoneId.of(tx.one("SELECT coalesce(time_zone, 'UTC') FROM organisations WHERE slug = ?",
                row -> row.getString(1), orgSlug).orElse("UTC"));
    }

    /** At each change, the calendar of the first line that has one in force then, else the organisation's. */
    private static CalendarSchedule schedule(ZoneId zone, List<CalendarStore.Period> organisation,
                                             List<List<CalendarStore.Period>> lines) {
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
