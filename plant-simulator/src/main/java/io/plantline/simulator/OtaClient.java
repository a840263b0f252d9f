package io.plantline.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.concurrent.DaemonThreads;
import io.plantline.model.MessageKind;
import io.plantline.model.OtaStatus;
import io.plantline.model.Sha256;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machines' firmware update client, as a device would run it: on an {@code ota.update} command it downloads
 * the image in ranged chunks (so an interrupted download resumes where it stopped), reports its progress over the
 * {@code ota} kind, verifies the SHA-256, "installs", reports SUCCEEDED and reboots (a short silence) onto the new
 * version. A fault per machine makes it fail as real devices do: a corrupted download, silence, or a rollback to
 * the old version after the reboot. Commands are de-duplicated by id (QoS 1 may deliver one twice).
 */
final class OtaClient implements AutoCloseable {

    /** How a machine's next updates go wrong, if they do. */
    enum Fault { NONE, CHECKSUM, SILENT, ROLLBACK }

    /** What the client asks of the plant: publish a machine's report, reboot a machine (on the plant's thread). */
    interface Plant {
        SimulatedMachine machine(String deviceId);

        void publish(SimulatedMachine machine, MessageKind kind, ObjectNode payload);

        void reboot(SimulatedMachine machine, Duration silence, String firmware);
    }

    private static final Logger LOG = LoggerFactory.getLogger(OtaClient.class);
    private static final int CHUNKS = 4;

    private final Plant plant;
    private final Clock clock;
    private final Duration rebootSilence;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Set<String> seenCommands = ConcurrentHashMap.newKeySet();
    private final ExecutorService updates =
            Executors.newSingleThreadExecutor(DaemonThreads.named("plant-simulator-ota"));

    OtaClient(Plant plant, Clock clock, Duration rebootSilence) {
        this.plant = plant;
        this.clock = clock;
        this.rebootSilence = rebootSilence;
    }

    void setFault(String deviceId, Fault fault) {
        faults.put(deviceId, fault);
    }

    /** A command as published on the machine's commands topic; anything but an unseen update is ignored. */
    void onCommand(String deviceId, JsonNode command) {
        SimulatedMachine machine = plant.machine(deviceId);
        if (machine == null || !"ota.update".equals(command.path("type").asText())
                || !seenCommands.add(command.path("commandId").asText())
                || faults.getOrDefault(deviceId, Fault.NONE) == Fault.SILENT) {
            return;
        }
        updates.execute(() -> update(machine, command.path("payload")));
    }

    private void update(SimulatedMachine machine, JsonNode order) {
        String deploymentId = order.path("deploymentId").asText();
        Fault fault = faults.getOrDefault(machine.device().deviceId(), Fault.NONE);
        try {
            byte[] image = download(machine, deploymentId, order.path("url").asText(), order.path("sizeBytes").asLong());
            if (fault == Fault.CHECKSUM) {
                image[image.length / 2] ^= 0x5a;
            }
            report(machine, deploymentId, OtaStatus.DOWNLOADED, 100, null);
            String sha256 = Sha256.hex(image);
            if (!sha256.equals(order.path("sha256").asText())) {
                report(machine, deploymentId, OtaStatus.FAILED, null, "checksum_mismatch: expected "
                        + order.path("sha256").asText() + ", got " + sha256);
                return;
            }
            report(machine, deploymentId, OtaStatus.VERIFIED, null, null);
            report(machine, deploymentId, OtaStatus.INSTALLING, null, null);
            report(machine, deploymentId, OtaStatus.SUCCEEDED, 100, "rebooting");
            String version = fault == Fault.ROLLBACK ? machine.firmware() : order.path("version").asText();
            plant.reboot(machine, rebootSilence, version);
        } catch (IOException | RuntimeException e) {
            report(machine, deploymentId, OtaStatus.FAILED, null, "download_failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The image in {@value #CHUNKS} ranged requests, with a progress report after each. */
    private byte[] download(SimulatedMachine machine, String deploymentId, String url, long size)
            throws IOException, InterruptedException {
        report(machine, deploymentId, OtaStatus.DOWNLOADING, 0, null);
        byte[] image = new byte[(int) size];
        long chunk = Math.max(1, (size + CHUNKS - 1) / CHUNKS);
        for (long from = 0; from < size; from += chunk) {
            long to = Math.min(size, from + chunk) - 1;
            HttpResponse<byte[]> part = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                    .header("Range", "bytes=" + from + "-" + to).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (part.statusCode() != 206 || part.body().length != to - from + 1) {
                throw new IOException("range " + from + "-" + to + " answered " + part.statusCode());
            }
            System.arraycopy(part.body(), 0, image, (int) from, part.body().length);
            report(machine, deploymentId, OtaStatus.DOWNLOADING, (int) ((to + 1) * 100 / size), null);
        }
        return image;
    }

    private void report(SimulatedMachine machine, String deploymentId, OtaStatus status, Integer progress, String message) {
        ObjectNode payload = SimulatedMachine.payload(clock.instant()).put("deploymentId", deploymentId)
                .put("status", status.name());
        if (progress != null) {
            payload.put("progress", progress);
        }
        if (message != null) {
            payload.put("message", message);
        }
        LOG.debug("{} {} {}", machine.device(), deploymentId, status);
        plant.publish(machine, MessageKind.OTA, payload);
    }

    @Override
    public void close() {
        updates.shutdownNow();
    }
}
