package io.plantline.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FaultCommandsTest {

    private final PlantSimulator simulator = new PlantSimulator(
            SimulatorOptions.parse(new String[] {"--machines=12"}, Map.of()), Clock.systemUTC());
    private final FaultCommands commands = new FaultCommands(simulator);

    @Test
    void machinesAreNamedByNumberIdOrAll() {
        assertThat(commands.run("spike 7")).isEqualTo("vibration spike on 1 machine(s)");
        assertThat(commands.run("spike machine-07")).isEqualTo("vibration spike on 1 machine(s)");
        assertThat(commands.run("breach all 30")).isEqualTo("temperature breach for 30 s on 12 machine(s)");
        assertThat(commands.run("shift 13")).isEqualTo("no machine named '13'");
    }

    @Test
    void mistakesGetAnAnswerNotAnException() {
        assertThat(commands.run("breach")).isEqualTo("breach needs a machine number, id or 'all'");
        assertThat(commands.run("breach 3 soon")).isEqualTo("'soon' is not a number");
        assertThat(commands.run("malformed 3 0")).isEqualTo("'0' must be between 1 and 86400");
        assertThat(commands.run("explode")).isEqualTo("unknown command 'explode'; type help");
        assertThat(commands.run("   ")).isEmpty();
        assertThat(commands.run("help")).contains("breach", "spike", "shift", "malformed");
    }
}
