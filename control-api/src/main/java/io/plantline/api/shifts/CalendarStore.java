package io.plantline.api.shifts;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.db.Database;
import io.plantline.api.http.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The {@code shift_calendars} table: the periods of an organisation's calendar ({@code groupId} empty) or a line's. */
final class CalendarStore {

    /** The calendar (empty: none) in force from {@code effectiveFrom} until the next period. */
    record Period(Instant effectiveFrom, Optional<JsonNode> calendar, Instant writtenAt, String writtenBy) {
    }

    private static final String SCOPE = " org_slug = ? AND group_id IS NOT DISTINCT FROM ?";

    List<Period> periods(Database.Tx tx, String orgSlug, Optional<String> groupId) throws SQLException {
        return tx.list("SELECT effective_from, calendar::text AS calendar, written_at, written_by FROM shift_calendars WHERE" + SCOPE
                + " ORDER BY effective_from", CalendarStore::period, orgSlug, groupId.orElse(null));
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
