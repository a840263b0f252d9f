package io.plantline.model.shifts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShiftCalendarJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theContractsFormReadsAndWritesBack() throws Exception {
        JsonNode form = JSON.readTree("""
                {"shifts":[{"name":"Early","days":["MON","TUE","WED","THU","FRI"],"start":"06:00","end":"14:00",
                "breaks":[{"start":"10:00","end":"10:30"}]},{"name":"Night","days":["SUN"],"start":"22:00","end":"06:00",
                "breaks":[]}],"holidays":["2026-12-25"]}""");

        ShiftCalendarJson.Read read = ShiftCalendarJson.read(form.get("shifts"), form.get("holidays"));

        assertThat(read.problems()).isEmpty();
        ShiftCalendar calendar = read.calendar().orElseThrow();
        assertThat(calendar.shifts().get(1)).isEqualTo(new Shift("Night", Set.of(DayOfWeek.SUNDAY), LocalTime.of(22, 0),
                LocalTime.of(6, 0), List.of()));
        assertThat(calendar.holidays()).containsExactly(LocalDate.of(2026, 12, 25));
        assertThat(ShiftCalendarJson.write(calendar)).isEqualTo(form);
    }

    @Test
    void everyProblemOfTheFormIsNamed() throws Exception {
        JsonNode form = JSON.readTree("""
                {"shifts":[{"name":"Early","days":["MON","Funday"],"start":"6 am","end":"14:00",
                "breaks":[{"start":"10:00"}]}],"holidays":["25.12.2026"]}""");

        assertThat(ShiftCalendarJson.read(form.get("shifts"), form.get("holidays")).problems()).containsExactly(
                "shift Early: \"Funday\" is not a day",
                "shift Early: start must be a time of day (HH:MM)",
                "shift Early: break end must be a time of day (HH:MM)",
                "holiday \"25.12.2026\" is not a date (YYYY-MM-DD)");
        assertThat(ShiftCalendarJson.read(null, null).problems()).containsExactly("shifts must be a list of at most 20 shifts");
    }
}
