package io.plantline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SettingsTest {

    private static final Set<String> KNOWN = Set.of("mqtt-port", "org");

    @Test
    void argumentWinsOverEnvironmentWhichWinsOverDefault() {
        Settings settings = Settings.parse(new String[] {"--mqtt-port=1999"},
                Map.of("PLANTLINE_MQTT_PORT", "1888", "PLANTLINE_ORG", "acme"), "PLANTLINE", KNOWN);

        assertThat(settings.number("mqtt-port", 1884, 1, 65535)).isEqualTo(1999);
        assertThat(settings.string("org", "demo")).isEqualTo("acme");
        assertThat(Settings.parse(new String[0], Map.of(), "PLANTLINE", KNOWN).string("org", "demo")).isEqualTo("demo");
    }

    @Test
    void mistakesAreNamedWithBothWaysToSetThem() {
        assertThatThrownBy(() -> Settings.parse(new String[] {"--mqtt-prot=1"}, Map.of(), "PLANTLINE", KNOWN))
                .hasMessageContaining("unknown setting --mqtt-prot");
        assertThatThrownBy(() -> Settings.parse(new String[] {"mqtt-port"}, Map.of(), "PLANTLINE", KNOWN))
                .hasMessageContaining("--name=value");
        Settings settings = Settings.parse(new String[] {"--mqtt-port=abc"}, Map.of(), "PLANTLINE", KNOWN);
        assertThatThrownBy(() -> settings.number("mqtt-port", 1, 0, 65535))
                .hasMessage("--mqtt-port / PLANTLINE_MQTT_PORT must be a whole number, not 'abc'");
        Settings outOfRange = Settings.parse(new String[] {"--mqtt-port=70000"}, Map.of(), "PLANTLINE", KNOWN);
        assertThatThrownBy(() -> outOfRange.number("mqtt-port", 1, 0, 65535))
                .hasMessage("--mqtt-port / PLANTLINE_MQTT_PORT must be between 0 and 65535, not 70000");
    }

    @Test
    void aSwitchIsTrueOrFalseAndNothingElse() {
        assertThat(Settings.parse(new String[] {"--org=true"}, Map.of(), "PLANTLINE", KNOWN).flag("org", false)).isTrue();
        assertThat(Settings.parse(new String[0], Map.of(), "PLANTLINE", KNOWN).flag("org", false)).isFalse();
        Settings yes = Settings.parse(new String[] {"--org=yes"}, Map.of(), "PLANTLINE", KNOWN);
        assertThatThrownBy(() -> yes.flag("org", false)).hasMessage("--org / PLANTLINE_ORG must be true or false, not 'yes'");
    }
}
