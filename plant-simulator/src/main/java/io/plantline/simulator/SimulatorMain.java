package io.plantline.simulator;

import io.plantline.config.Settings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * Runs the simulator as its own process against any MQTT broker; fault commands are read from standard
 * input. Example: {@code java -jar plant-simulator.jar --mqtt-host=127.0.0.1 --mqtt-port=1883 --machines=50}.
 */
public final class SimulatorMain {

    private SimulatorMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        SimulatorOptions options = Settings.parseOrExit("plant-simulator", () -> SimulatorOptions.parse(args, System.getenv()));
        PlantSimulator simulator = new PlantSimulator(options, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(simulator::close, "simulator-shutdown"));
        simulator.start();
        System.out.println("Simulating " + options.machines() + " machines of '" + options.orgSlug() + "'. "
                + "Fault commands (type help):");
        FaultCommands commands = new FaultCommands(simulator);
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = input.readLine(); line != null; line = input.readLine()) {
            System.out.println(commands.run(line));
        }
        // Standard input closed (running in the background): keep simulating until stopped.
        Thread.currentThread().join();
    }
}
