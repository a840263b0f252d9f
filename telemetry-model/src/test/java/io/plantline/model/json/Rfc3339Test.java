package io.plantline.model.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Rfc3339Test {

    @Test
    void readsTheCommonFormWithoutTheGeneralParser() {
        assertThat(Rfc3339.parseCommonForm("2026-12-01T10:00:00Z")).isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
        assertThat(Rfc3339.parseCommonForm("2026-12-01T10:00:00.5+01:30"))
                .isEqualTo(Instant.parse("2026-12-01T08:30:00.500Z"));
        assertThat(Rfc3339.parseCommonForm("2024-02-29T23:59:59.123456789-05:00"))
                .isEqualTo(Instant.parse("2024-03-01T04:59:59.123456789Z"));
    }

    @Test
    void leavesEverythingElseToOffsetDateTime() {
        for (String text : new String[] {"2026-12-01t10:00:00z", "2026-12-01T10:00Z", "2026-12-01T10:00:00+01:00:30",
                "2026-02-29T10:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T10:00:60Z", "2026-12-01T10:00:00.Z",
                "2026-12-01T10:00:00.1234567891Z", "2026-12-01T10:00:00+18:00", "0000-01-01T00:00:00Z", "+2026-12-01T10:00:00Z"}) {
            assertThat(Rfc3339.parseCommonForm(text)).as(text).isNull();
        }
    }

    /** Both parsers agree on every text: the same instant, or both refuse it. */
    @Test
    void agreesWithOffsetDateTimeOnRandomTexts() {
        Random random = new Random(42);
        int fastPathTaken = 0;
        for (int i = 0; i < 200_000; i++) {
            String text = mutate(random, timestamp(random));
            assertThat(outcome(() -> Rfc3339.parse(text))).as(text).isEqualTo(outcome(() -> OffsetDateTime.parse(text).toInstant()));
            if (Rfc3339.parseCommonForm(text) != null) {
                fastPathTaken++;
            }
        }
        assertThat(fastPathTaken).isGreaterThan(20_000); // the rest exercises the refusals and the fallback
    }

    private static String timestamp(Random random) {
        StringBuilder text = new StringBuilder(String.format("%04d-%02d-%02dT%02d:%02d:%02d", random.nextInt(10_000),
                random.nextInt(14), random.nextInt(33), random.nextInt(26), random.nextInt(62), random.nextInt(62)));
        int fraction = random.nextInt(12) - 1;
        if (fraction >= 0) {
            text.append('.');
            for (int d = 0; d < fraction; d++) {
                text.append((char) ('0' + random.nextInt(10)));
            }
        }
        switch (random.nextInt(4)) {
            case 0 -> text.append('Z');
            case 1 -> text.append(String.format("%c%02d:%02d", random.nextBoolean() ? '+' : '-', random.nextInt(20), random.nextInt(62)));
            case 2 -> text.append(String.format("+%02d:%02d:%02d", random.nextInt(19), random.nextInt(60), random.nextInt(60)));
            default -> { } // no zone at all
        }
        return text.toString();
    }

    /** Now and then one character changed, dropped or added, to probe the edges of the form. */
    private static String mutate(Random random, String text) {
        if (random.nextInt(4) != 0 || text.isEmpty()) {
            return text;
        }
        int at = random.nextInt(text.length());
        String alphabet = "0123456789-:T.Zz+ ";
        char c = alphabet.charAt(random.nextInt(alphabet.length()));
        return switch (random.nextInt(3)) {
            case 0 -> text.substring(0, at) + c + text.substring(at + 1);
            case 1 -> text.substring(0, at) + text.substring(at + 1);
            default -> text.substring(0, at) + c + text.substring(at);
        };
    }

    private static Object outcome(java.util.function.Supplier<Instant> parse) {
        try {
            return parse.get();
        } catch (DateTimeException refused) {
            return "refused";
        }
    }
}
