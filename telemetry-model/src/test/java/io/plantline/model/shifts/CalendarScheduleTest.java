package io.plantline.model.shifts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.plantline.model.DeviceSettings;
import io.plantline.model.IdealCycleSchedule;
import io.plantline.model.json.RecordJson;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CalendarScheduleTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final ShiftCalendar EARLY_ONLY = new ShiftCalendar(List.of(new Shift("Early",
            EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), LocalTime.of(6, 0), LocalTime.of(14, 0),
            List.of(new ShiftBreak(LocalTime.of(10, 0), LocalTime.of(10, 30))))), Set.of());

    @Test
    void beforeTheFirstCalendarAndWithoutOneEveryMinuteIsScheduled() {
        Instant from = berlin("2026-12-07T00:00");
        CalendarSchedule schedule = CalendarSchedule.of(List.of(
                new CalendarSchedule.Period(from, BERLIN, Optional.of(EARLY_ONLY)),
                new CalendarSchedule.Period(berlin("2026-12-08T00:00"), BERLIN, Optional.empty())));

        assertThat(schedule.schedules(berlin("2026-12-06T23:59"))).as("before the calendar").isTrue();
        assertThat(schedule.schedules(berlin("2026-12-07T05:59"))).as("before the early shift").isFalse();
        assertThat(schedule.schedules(berlin("2026-12-07T06:00"))).isTrue();
        assertThat(schedule.schedules(berlin("2026-12-07T10:15"))).as("in the break").isFalse();
        assertThat(schedule.schedules(berlin("2026-12-08T03:00"))).as("calendar removed").isTrue();
        assertThat(CalendarSchedule.EVERY_MINUTE.schedules(from)).isTrue();
    }

    @Test
    void schedulesThatMeanTheSameAreEqualAndOtherwiseDifferFromTheirFirstDifferentPeriod() {
        Instant monday = berlin("2026-12-07T00:00");
        Instant tuesday = berlin("2026-12-08T00:00");
        CalendarSchedule early = CalendarSchedule.of(List.of(new CalendarSchedule.Period(monday, BERLIN, Optional.of(EARLY_ONLY))));
        CalendarSchedule earlyThenNone = CalendarSchedule.of(List.of(
                new CalendarSchedule.Period(monday, BERLIN, Optional.of(EARLY_ONLY)),
                new CalendarSchedule.Period(tuesday, BERLIN, Optional.empty())));

        assertThat(CalendarSchedule.of(List.of(new CalendarSchedule.Period(monday, BERLIN, Optional.empty()))))
                .as("a leading 'none' means every minute").isEqualTo(CalendarSchedule.EVERY_MINUTE);
        assertThat(CalendarSchedule.of(List.of(new CalendarSchedule.Period(monday, BERLIN, Optional.of(EARLY_ONLY)),
                new CalendarSchedule.Period(tuesday, BERLIN, Optional.of(EARLY_ONLY))))).isEqualTo(early);
        assertThat(early.firstDifference(early)).isEmpty();
        assertThat(early.firstDifference(earlyThenNone)).contains(tuesday);
        assertThat(earlyThenNone.firstDifference(early)).contains(tuesday);
        assertThat(CalendarSchedule.EVERY_MINUTE.firstDifference(early)).contains(monday);
    }

    @Test
    void periodsEndedLongAgoAreForgottenButTheOneInForceThenIsKept() {
        Instant monday = berlin("2026-12-07T00:00");
        CalendarSchedule schedule = CalendarSchedule.of(List.of(
                new CalendarSchedule.Period(monday.minus(Duration.ofDays(60)), BERLIN, Optional.empty()),
                new CalendarSchedule.Period(monday.minus(Duration.ofDays(50)), BERLIN, Optional.of(EARLY_ONLY)),
                new CalendarSchedule.Period(monday.minus(Duration.ofDays(40)), BERLIN, Optional.empty()),
                new CalendarSchedule.Period(monday.minus(Duration.ofDays(1)), BERLIN, Optional.of(EARLY_ONLY))));

        assertThat(schedule.forgetEndedBefore(monday, Duration.ofDays(35)).periods())
                .extracting(CalendarSchedule.Period::effectiveFrom)
                .containsExactly(monday.minus(Duration.ofDays(40)), monday.minus(Duration.ofDays(1)));
    }

    @Test
    void deviceSettingsCarryTheScheduleThroughTheRulesTopic() {
        CalendarSchedule schedule = CalendarSchedule.of(List.of(
                new CalendarSchedule.Period(berlin("2026-12-07T00:00"), BERLIN, Optional.of(EARLY_ONLY)),
                new CalendarSchedule.Period(berlin("2026-12-09T00:00"), BERLIN, Optional.empty())));
        DeviceSettings settings = new DeviceSettings("acme", "press-7", IdealCycleSchedule.EMPTY, schedule, Map.of());

        DeviceSettings read = (DeviceSettings) RecordJson.readRulesTopicValue(RecordJson.write(settings));

        assertThat(read).isEqualTo(settings);
        assertThat(read.calendar().schedules(berlin("2026-12-07T10:15"))).isFalse();
    }

    @Test
    void settingsWithoutACalendarScheduleEveryMinute() {
        String json = "{\"type\":\"device-settings\",\"orgSlug\":\"acme\",\"deviceId\":\"press-7\",\"idealCycle\":[],\"metadata\":{}}";

        DeviceSettings read = (DeviceSettings) RecordJson.readRulesTopicValue(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(read.calendar()).isEqualTo(CalendarSchedule.EVERY_MINUTE);
    }

    @Test
    void aMalformedScheduleNamesEveryProblem() throws Exception {
        var json = new ObjectMapper().readTree("[{\"effectiveFrom\":\"yesterday\",\"zone\":\"UTC\",\"calendar\":null},"
                + "{\"effectiveFrom\":\"2026-12-07T00:00:00Z\",\"zone\":\"Mars/Olympus\",\"calendar\":null}]");

        assertThatThrownBy(() -> CalendarSchedule.fromJson(json))
                .hasMessageContaining("effectiveFrom must be an ISO-8601 instant")
                .hasMessageContaining("zone must be a time zone id");
    }

    private static Instant berlin(String localDateTime) {
        return LocalDateTime.parse(localDateTime).atZone(BERLIN).toInstant();
    }

    @Test
    void shiftsStartingInARangeFollowTheCalendarInForceWhenEachStarts() {
        CalendarSchedule schedule = CalendarSchedule.of(List.of(
                new CalendarSchedule.Period(berlin("2026-12-07T00:00"), BERLIN, Optional.of(EARLY_ONLY)),
                new CalendarSchedule.Period(berlin("2026-12-09T00:00"), BERLIN, Optional.empty()),
                new CalendarSchedule.Period(berlin("2026-12-10T12:00"), BERLIN, Optional.of(EARLY_ONLY))));

        List<ShiftInstance> shifts = schedule.shiftsStartingIn(berlin("2026-12-07T06:01"), berlin("2026-12-12T00:00"));

        assertThat(shifts).extracting(shift -> shift.date().toString()).as("the 7th started before the range, the 9th"
                + " and 10th under no calendar, the 12th is a Saturday").containsExactly("2026-12-08", "2026-12-11");
        assertThat(shifts.get(0).scheduled()).containsExactly(
                new ShiftInstance.Interval(berlin("2026-12-08T06:00"), berlin("2026-12-08T10:00")),
                new ShiftInstance.Interval(berlin("2026-12-08T10:30"), berlin("2026-12-08T14:00")));
        assertThat(schedule.hasCalendarIn(berlin("2026-12-09T00:00"), berlin("2026-12-10T12:00"))).isFalse();
        assertThat(schedule.hasCalendarIn(berlin("2026-12-09T00:00"), berlin("2026-12-10T12:01"))).isTrue();
        assertThat(schedule.hasCalendarIn(berlin("2026-12-06T00:00"), berlin("2026-12-07T00:00"))).isFalse();
        assertThat(CalendarSchedule.EVERY_MINUTE.shiftsStartingIn(berlin("2026-12-07T00:00"), berlin("2026-12-08T00:00")))
                .isEmpty();
    }
}
