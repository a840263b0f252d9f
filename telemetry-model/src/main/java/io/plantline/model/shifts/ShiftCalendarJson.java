package io.plantline.model.shifts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The contract's JSON form of a calendar: {@code {"shifts":[{"name","days":["MON",...],"start":"06:00","end":"14:00",
 * "breaks":[{"start","end"}]}],"holidays":["2026-12-25"]}}. Reading collects every problem of the form and of the
 * calendar it describes, so a caller can answer them all at once.
 */
public final class ShiftCalendarJson {

    static final int MAX_SHIFTS = 20;
    static final int MAX_BREAKS = 10;
    static final int MAX_HOLIDAYS = 400;

    /** A calendar, or why there is none. */
    public record Read(Optional<ShiftCalendar> calendar, List<String> problems) {
    }

    private ShiftCalendarJson() {
    }

    public static Read read(JsonNode shiftsNode, JsonNode holidaysNode) {
        List<String> problems = new ArrayList<>();
        List<Shift> shifts = new ArrayList<>();
        if (shiftsNode == null || !shiftsNode.isArray() || shiftsNode.size() > MAX_SHIFTS) {
            problems.add("shifts must be a list of at most " + MAX_SHIFTS + " shifts");
        } else {
            for (JsonNode node : shiftsNode) {
                shift(node, problems).ifPresent(shifts::add);
            }
        }
        Set<LocalDate> holidays = holidays(holidaysNode, problems);
        if (problems.isEmpty()) {
            problems.addAll(ShiftCalendar.problemsOf(shifts));
        }
        return problems.isEmpty() ? new Read(Optional.of(new ShiftCalendar(shifts, holidays)), List.of())
                : new Read(Optional.empty(), List.copyOf(problems));
    }

    public static ObjectNode write(ShiftCalendar calendar) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        ArrayNode shifts = json.putArray("shifts");
        for (Shift shift : calendar.shifts()) {
            ObjectNode node = shifts.addObject().put("name", shift.name());
            ArrayNode days = node.putArray("days");
            EnumSet.copyOf(shift.days()).forEach(day -> days.add(dayName(day)));
            node.put("start", shift.start().toString()).put("end", shift.end().toString());
            ArrayNode breaks = node.putArray("breaks");
            shift.breaks().forEach(pause -> breaks.addObject()
                    .put("start", pause.start().toString()).put("end", pause.end().toString()));
        }
        ArrayNode holidays = json.putArray("holidays");
        calendar.holidays().stream().sorted().forEach(date -> holidays.add(date.toString()));
        return json;
    }

    private static Optional<Shift> shift(JsonNode node, List<String> problems) {
        int before = problems.size();
        String name = node.path("name").isTextual() ? node.get("name").textValue() : "";
        String label = name.isEmpty() ? "a shift" : "shift " + name;
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        JsonNode dayNodes = node.path("days");
        if (!dayNodes.isArray()) {
            problems.add(label + ": days must be a list of MON, TUE, WED, THU, FRI, SAT, SUN");
        } else {
            for (JsonNode day : dayNodes) {
                Optional<DayOfWeek> parsed = day(day.asText());
                parsed.ifPresentOrElse(days::add, () -> problems.add(label + ": " + day + " is not a day"));
            }
        }
        LocalTime start = time(node.path("start"), label + ": start", problems);
        LocalTime end = time(node.path("end"), label + ": end", problems);
        List<ShiftBreak> breaks = new ArrayList<>();
        JsonNode breakNodes = node.path("breaks");
        if (!breakNodes.isMissingNode() && (!breakNodes.isArray() || breakNodes.size() > MAX_BREAKS)) {
            problems.add(label + ": breaks must be a list of at most " + MAX_BREAKS);
        } else {
            for (JsonNode pause : breakNodes) {
                LocalTime pauseStart = time(pause.path("start"), label + ": break start", problems);
                LocalTime pauseEnd = time(pause.path("end"), label + ": break end", problems);
                if (pauseStart != null && pauseEnd != null) {
                    breaks.add(new ShiftBreak(pauseStart, pauseEnd));
                }
            }
        }
        return problems.size() > before ? Optional.empty() : Optional.of(new Shift(name, days, start, end, breaks));
    }

    private static Set<LocalDate> holidays(JsonNode node, List<String> problems) {
        Set<LocalDate> holidays = new HashSet<>();
        if (node == null || node.isNull() || node.isMissingNode()) {
            return holidays;
        }
        if (!node.isArray() || node.size() > MAX_HOLIDAYS) {
            problems.add("holidays must be a list of at most " + MAX_HOLIDAYS + " dates");
            return holidays;
        }
        for (JsonNode date : node) {
            try {
                holidays.add(LocalDate.parse(date.asText()));
            } catch (DateTimeException e) {
                problems.add("holiday " + date + " is not a date (YYYY-MM-DD)");
            }
        }
        return holidays;
    }

    private static LocalTime time(JsonNode node, String what, List<String> problems) {
        if (node.isTextual() && node.textValue().length() <= 8) {
            try {
                return LocalTime.parse(node.textValue());
            } catch (DateTimeException e) {
                // reported below
            }
        }
        problems.add(what + " must be a time of day (HH:MM)");
        return null;
    }

    private static Optional<DayOfWeek> day(String name) {
        for (DayOfWeek day : DayOfWeek.values()) {
            if (dayName(day).equals(name)) {
                return Optional.of(day);
            }
        }
        return Optional.empty();
    }

    private static String dayName(DayOfWeek day) {
        return day.name().substring(0, 3);
    }
}
