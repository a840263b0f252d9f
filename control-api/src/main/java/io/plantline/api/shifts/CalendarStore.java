package io.plantline.api.shifts;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.db.Database;
import io.plantline.api.http.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@code shift_calendars} table: the periods of an organisation's calendar ({@code groupId} empty) or a line's. */
final class CalendarStore {

    /** The calendar (empty: none) in force from {@code effectiveFrom} until the next period. */
    record Period(Instant effectiveFrom, Optional<JsonNode> calendar, Instant writtenAt, String writtenBy) {
    }

    private static final int FETCH_SIZE = 1_000;
    private static final String SCOPE = " org_slug = ? AND group_id IS NOT DISTINCT FROM ?";

    List<Period> periods(Database.Tx tx, String orgSlug, Optional<String> groupId) throws SQLException {
        return tx.list("SELECT effective_from, calendar::text AS calendar, written_at, written_by FROM shift_calendars WHERE" + SCOPE
                + " ORDER BY effective_from", CalendarStore::period, orgSlug, groupId.orElse(null));
    }

    /** Every period of the organisation's calendar (key empty) and of its lines' (key the group id), in time order. */
    Map<Optional<String>, List<Period>> allPeriods(Database.Tx tx, String orgSlug) throws SQLException {
        Map<Optional<String>, List<Period>> periods = new HashMap<>();
        tx.forEach("SELECT group_id, effective_from, calendar::text AS calendar, written_at, written_by FROM shift_calendars"
                + " WHERE org_slug = ? ORDER BY effective_from", FETCH_SIZE, row -> periods
                .computeIfAbsent(Optional.ofNullable(row.getString("group_id")), group -> new ArrayList<>()).add(period(row)),
                orgSlug);
        return periods;
    }

    /** The lines with a calendar (any period) that each of these devices belongs to, in order of their ids. */
    Map<String, List<String>> linesWithCalendars(Database.Tx tx, String orgSlug, Collection<String> deviceIds)
            throws SQLException {
        Map<String, List<String>> lines = new HashMap<>();
        tx.forEach("SELECT DISTINCT m.device_id, c.group_id FROM shift_calendars c JOIN device_group_members m"
                + " ON m.org_slug = c.org_slug AND m.group_id = c.group_id WHERE m.org_slug = ? AND m.device_id = ANY(?)"
                + " ORDER BY 1, 2", FETCH_SIZE, row -> lines.computeIfAbsent(row.getString(1), device -> new ArrayList<>())
                .add(row.getString(2)), orgSlug, deviceIds.toArray(String[]::new));
        return lines;
    }

    /** Replaces the periods from {@code effectiveFrom} on by one of {@code calendar} (empty: none). */
    void write(Database.Tx tx, String orgSlug, Optional<String> groupId, Instant effectiveFrom,
               Optional<JsonNode> calendar, Instant writtenAt, String writtenBy) throws SQLException {
        String group = groupId.orElse(null);
        tx.update("DELETE FROM shift_calendars WHERE" + SCOPE + " AND effective_from >= ?", orgSlug, group, effectiveFrom);
        tx.update("INSERT INTO shift_calendars (org_slug, group_id, effective_from, calendar, written_at, written_by)"
                        + " VALUES (?, ?, ?, ?::jsonb, ?, ?)", orgSlug, group, effectiveFrom,
                calendar.map(JsonNode::toString).orElse(null), writtenAt, writtenBy);
    }

    /**
     * Members of {@code groupId} that also belong to another group whose latest period holds a calendar: a machine
     * may follow only one line's calendar. Each as {@code "device (other group)"}.
     */
    List<String> membersOfOtherCalendarGroups(Database.Tx tx, String orgSlug, String groupId) throws SQLException {
        return tx.list("SELECT m.device_id || ' (' || other.group_id || ')' FROM device_group_members m"
                + " JOIN device_group_members other ON other.org_slug = m.org_slug AND other.device_id = m.device_id"
                + " AND other.group_id <> m.group_id"
                + " JOIN LATERAL (SELECT calendar FROM shift_calendars c WHERE c.org_slug = other.org_slug"
                + " AND c.group_id = other.group_id ORDER BY effective_from DESC LIMIT 1) latest ON latest.calendar IS NOT NULL"
                + " WHERE m.org_slug = ? AND m.group_id = ? ORDER BY 1", row -> row.getString(1), orgSlug, groupId);
    }

    private static Period period(ResultSet row) throws SQLException {
        String calendar = row.getString("calendar");
        return new Period(row.getTimestamp("effective_from").toInstant(),
                Optional.ofNullable(calendar).map(json -> Json.read(json, JsonNode.class)), row.getTimestamp("written_at").toInstant(),
                row.getString("written_by"));
    }
}
