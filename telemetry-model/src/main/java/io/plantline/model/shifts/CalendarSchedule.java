package io.plantline.model.shifts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.model.EffectivePeriod;
import io.plantline.model.EffectivePeriods;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The shift calendars one machine follows over time (its line's where the line has one, else its organisation's),
 * as the control API resolves them and the OEE job applies them: each period from its {@code effectiveFrom} until the
 * next one's, read in the organisation's zone. A period without a calendar, and the time before the first period,
 * schedules every minute.
 *
 * <p>Its JSON form is a list of {@code {"effectiveFrom","zone","calendar":{"shifts","holidays"}|null}} in time order.
 */
public final class CalendarSchedule {

    /** No calendar ever: every minute is scheduled. */
    public static final CalendarSchedule EVERY_MINUTE = new CalendarSchedule(List.of());

    /** The calendar (empty: none) in force from {@code effectiveFrom}, its times local to {@code zone}. */
    public record Period(Instant effectiveFrom, ZoneId zone, Optional<ShiftCalendar> calendar) implements EffectivePeriod {
    }

    private static final ObjectMapper READER = new ObjectMapper();

    private final List<Period> periods;

    private CalendarSchedule(List<Period> periods) {
        this.periods = periods;
    }

    /** The schedule of these periods in time order, a later one of the same time winning, repeats merged. */
    public static CalendarSchedule of(List<Period> periods) {
        List<Period> normal = EffectivePeriods.normalised(periods,
                (before, period) -> before.calendar().equals(period.calendar()) && before.zone().equals(period.zone()),
                period -> period.calendar().isEmpty());
        return normal.isEmpty() ? EVERY_MINUTE : new CalendarSchedule(normal);
    }

    public List<Period> periods() {
        return periods;
    }

    /** Whether the minute beginning at {@code minuteStart} is scheduled production time. */
    public boolean schedules(Instant minuteStart) {
        return EffectivePeriods.inForceAt(periods, minuteStart)
                .map(period -> period.calendar().map(calendar -> calendar.schedules(minuteStart, period.zone())).orElse(true))
                .orElse(true);
    }

    /**
     * The shift instances that start in {@code [from, to)}, in the order they start, each from the calendar in force
     * when it starts: a shift starting just before a calendar change runs its course by the calendar it started under.
     */
    public List<ShiftInstance> shiftsStartingIn(Instant from, Instant to) {
        List<ShiftInstance> starting = new ArrayList<>();
        for (int i = 0; i < periods.size(); i++) {
            Period period = periods.get(i);
            Instant periodFrom = max(from, period.effectiveFrom());
            Instant periodTo = i + 1 < periods.size() && periods.get(i + 1).effectiveFrom().isBefore(to)
                    ? periods.get(i + 1).effectiveFrom() : to;
            if (period.calendar().isPresent() && periodFrom.isBefore(periodTo)) {
                starting.addAll(period.calendar().get().shiftsStartingIn(periodFrom, periodTo, period.zone()));
            }
        }
        return starting;
    }

    /** Whether a calendar is in force at any time in {@code [from, to)} (else every minute of it is scheduled). */
    public boolean hasCalendarIn(Instant from, Instant to) {
        for (int i = 0; i < periods.size(); i++) {
            Period period = periods.get(i);
            boolean endsAfterFrom = i + 1 == periods.size() || periods.get(i + 1).effectiveFrom().isAfter(from);
            if (period.calendar().isPresent() && period.effectiveFrom().isBefore(to) && endsAfterFrom) {
                return true;
            }
        }
        return false;
    }

    private static Instant max(Instant one, Instant other) {
        return one.isAfter(other) ? one : other;
    }

    /**
     * The earliest time from which this schedule and {@code other} may schedule a minute differently (the first
     * period one has and the other has not), or empty when they are the same.
     */
    public Optional<Instant> firstDifference(CalendarSchedule other) {
        Set<Period> mine = new HashSet<>(periods);
        Set<Period> theirs = new HashSet<>(other.periods);
        return Stream.concat(periods.stream().filter(period -> !theirs.contains(period)),
                        other.periods.stream().filter(period -> !mine.contains(period)))
                .map(Period::effectiveFrom)
                .min(Comparator.naturalOrder());
    }

    /** Without the periods that ended more than {@code kept} before {@code now}: no job rewrites minutes that old. */
    public CalendarSchedule forgetEndedBefore(Instant now, Duration kept) {
        List<Period> recent = EffectivePeriods.endedBeforeForgotten(periods, now.minus(kept));
        return recent.size() == periods.size() ? this : new CalendarSchedule(recent);
    }

    @JsonValue
    public ArrayNode toJson() {
        ArrayNode json = JsonNodeFactory.instance.arrayNode();
        for (Period period : periods) {
            ObjectNode node = json.addObject()
                    .put("effectiveFrom", period.effectiveFrom().toString())
                    .put("zone", period.zone().getId());
            node.set("calendar", period.calendar().map(ShiftCalendarJson::write).orElse(null));
        }
        return json;
    }

    /** Reads the JSON form from text (see {@link #fromJson}). */
    public static CalendarSchedule parse(String json) {
        try {
            return fromJson(READER.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a calendar schedule must be JSON", e);
        }
    }

    /** Reads the JSON form; a malformed one throws {@link IllegalArgumentException} naming every problem. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static CalendarSchedule fromJson(JsonNode json) {
        if (json == null || json.isNull()) {
            return EVERY_MINUTE;
        }
        if (!json.isArray()) {
            throw new IllegalArgumentException("a calendar schedule is a list of periods");
        }
        List<Period> periods = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (JsonNode node : json) {
            try {
                Instant effectiveFrom = Instant.parse(node.path("effectiveFrom").asText());
                ZoneId zone = ZoneId.of(node.path("zone").asText());
                JsonNode calendar = node.path("calendar");
                Optional<ShiftCalendar> read = Optional.empty();
                if (!calendar.isMissingNode() && !calendar.isNull()) {
                    ShiftCalendarJson.Read parsed = ShiftCalendarJson.read(calendar.get("shifts"), calendar.get("holidays"));
                    problems.addAll(parsed.problems());
                    read = parsed.calendar();
                }
                periods.add(new Period(effectiveFrom, zone, read));
            } catch (DateTimeParseException e) {
                problems.add("effectiveFrom must be an ISO-8601 instant");
            } catch (DateTimeException e) {
                problems.add("zone must be a time zone id");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return of(periods);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CalendarSchedule schedule && schedule.periods.equals(periods);
    }

    @Override
    public int hashCode() {
        return periods.hashCode();
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
