package io.plantline.api.shifts;

import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.model.shifts.CalendarSchedule;
import io.plantline.model.shifts.ShiftInstance;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * The shift instances that answers per shift ({@code granularity=shift}, the shift report) have one row each: those
 * that started in a range by the calendar of the scope's machines (a device's own, a line's, else the
 * organisation's), named and dated in the organisation's zone, with their scheduled time.
 */
public final class ShiftInstances {

    private final Database database;
    private final DeviceCalendars calendars = new DeviceCalendars();

    public ShiftInstances(Database database) {
        this.database = database;
    }

    /**
     * The shifts that started in {@code [from, to)}, in the order they started; 422 {@code no_shift_calendar} when no
     * calendar is in force at any time of the range (every minute of it is scheduled, so it has no shifts to answer).
     */
    public List<ShiftInstance> startingIn(String orgSlug, Optional<String> deviceId, Optional<String> groupId,
                                          Instant from, Instant to) {
        CalendarSchedule schedule = database.transaction(tx -> deviceId.isPresent()
                ? calendars.of(tx, orgSlug, deviceId.get()) : calendars.ofLine(tx, orgSlug, groupId));
        if (!schedule.hasCalendarIn(from, to)) {
            throw ApiException.of(422, "no_shift_calendar", "no shift calendar is in force in the range for "
                    + deviceId.map(id -> "device " + id).or(() -> groupId.map(id -> "group " + id)).orElse("the organisation")
                    + ": answers per shift need one (PUT /calendar)");
        }
        return schedule.shiftsStartingIn(from, to);
    }

    /** How a row per shift names its shift: the shift's name, the local date it started on, its start and end. */
    public record Label(String shift, LocalDate date, Instant start, Instant end) {

        public static Label of(ShiftInstance instance) {
            return new Label(instance.name(), instance.date(), instance.start(), instance.end());
        }
    }
}
