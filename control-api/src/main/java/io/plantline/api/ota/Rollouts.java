package io.plantline.api.ota;

import io.plantline.api.ApiKafka;
import io.plantline.api.db.Database;
import io.plantline.api.notifications.NotificationEvent;
import io.plantline.api.notifications.Notifications;
import io.plantline.concurrent.DaemonThreads;
import io.plantline.model.DeviceRef;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives running roll-outs: sends the current stage's updates, starts the next stage once the success threshold is
 * reached, pauses when failures cross the failure threshold (or a finished stage fell short), and completes the
 * deployment when every target has ended. Target states come from the device-lifecycle job; this only reads them.
 * Every few seconds each running deployment is evaluated in a transaction that locks its row ({@code SKIP LOCKED}),
 * so several API servers share the work without evaluating one deployment twice at once.
 */
public final class Rollouts implements AutoCloseable {

    static final String UPDATE_COMMAND = "ota.update";
    static final String CANCEL_COMMAND = "ota.cancel";
    private static final Logger LOG = LoggerFactory.getLogger(Rollouts.class);
    private static final int BATCH = 100;

    private final Database database;
    private final DeploymentStore deployments;
    private final FirmwareStore firmware;
    private final DownloadLinks links;
    private final ApiKafka kafka;
    private final Clock clock;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("ota-rollouts"));

    public Rollouts(Database database, DeploymentStore deployments, FirmwareStore firmware, DownloadLinks links, ApiKafka kafka,
             Clock clock) {
        this.database = database;
        this.deployments = deployments;
        this.firmware = firmware;
        this.links = links;
        this.kafka = kafka;
        this.clock = clock;
    }

    public void start(Duration interval) {
        timer.scheduleWithFixedDelay(this::evaluateRunning, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One pass over the running deployments; a failure is logged and retried on the next pass. */
    void evaluateRunning() {
        try {
            database.transaction(tx -> {
                for (String[] running : deployments.lockRunning(tx, BATCH)) {
                    Optional<Deployment> deployment = deployments.find(tx, running[0], running[1]);
                    if (deployment.isPresent()) {
                        evaluate(tx, running[0], deployment.get());
                    }
                }
                return null;
            });
        } catch (RuntimeException e) {
            LOG.warn("evaluating running roll-outs failed; retrying on the next pass", e);
        }
    }

    /** Moves one running deployment on as far as its targets' states allow; the caller holds its row lock. */
    void evaluate(Database.Tx tx, String orgSlug, Deployment deployment) throws SQLException {
        RolloutPolicy policy = deployment.policy();
        Instant now = clock.instant();
        DeploymentStore.Counts sent = deployments.sentCounts(tx, orgSlug, deployment.deploymentId());
        int newFailures = sent.of("FAILED") - deployment.failuresAccepted();
        if (policy.failuresPause(newFailures, sent.total())) {
            pause(tx, orgSlug, deployment, newFailures + " of " + sent.total() + " devices sent the update failed, beyond"
                    + " the failure threshold of " + policy.failureThreshold(), now);
            return;
        }
        int stage = deployment.currentStage();
        send(tx, orgSlug, deployment, deployments.queued(tx, orgSlug, deployment.deploymentId(), stage), now);
        DeploymentStore.Counts counts = deployments.stageCounts(tx, orgSlug, deployment.deploymentId(), stage);
        boolean stageDone = counts.terminal() == counts.total();
        if (policy.stageSucceeded(counts.of("SUCCEEDED"), counts.total())) {
            if (stage + 1 < deployment.stages()) {
                deployments.setStage(tx, orgSlug, deployment.deploymentId(), stage + 1, now);
                send(tx, orgSlug, deployment, deployments.queued(tx, orgSlug, deployment.deploymentId(), stage + 1), now);
            } else {
                completeIfEnded(tx, orgSlug, deployment.deploymentId(), now);
            }
        } else if (stageDone) {
            pause(tx, orgSlug, deployment, "stage " + (stage + 1) + " ended with " + counts.of("SUCCEEDED") + " of "
                    + counts.total() + " devices updated, below the success threshold of " + policy.successThreshold(), now);
        }
    }

    /**
     * Resumes a paused roll-out: the failures so far are accepted, and a stage that ended short of the success
     * threshold counts as done, so the roll-out moves on to the next stage (or completes) instead of pausing again.
     */
    void resume(Database.Tx tx, String orgSlug, Deployment deployment) throws SQLException {
        Instant now = clock.instant();
        DeploymentStore.Counts sent = deployments.sentCounts(tx, orgSlug, deployment.deploymentId());
        deployments.resume(tx, orgSlug, deployment.deploymentId(), sent.of("FAILED"), now);
        int stage = deployment.currentStage();
        DeploymentStore.Counts counts = deployments.stageCounts(tx, orgSlug, deployment.deploymentId(), stage);
        if (counts.terminal() == counts.total() && !deployment.policy().stageSucceeded(counts.of("SUCCEEDED"), counts.total())) {
            if (stage + 1 < deployment.stages()) {
                deployments.setStage(tx, orgSlug, deployment.deploymentId(), stage + 1, now);
            } else {
                completeIfEnded(tx, orgSlug, deployment.deploymentId(), now);
                return;
            }
        }
        evaluate(tx, orgSlug, deployments.find(tx, orgSlug, deployment.deploymentId()).orElseThrow());
    }

    /** Completes the deployment once every target has ended; not one device updated is a failed roll-out. */
    private void completeIfEnded(Database.Tx tx, String orgSlug, String deploymentId, Instant now) throws SQLException {
        DeploymentStore.Counts all = deployments.allCounts(tx, orgSlug, deploymentId);
        if (all.terminal() == all.total()) {
            deployments.setStatus(tx, orgSlug, deploymentId, "COMPLETED", Optional.empty(), now);
            String type = all.of("SUCCEEDED") == 0 && all.total() > 0 ? NotificationEvent.ROLLOUT_FAILED
                    : NotificationEvent.ROLLOUT_COMPLETED;
            Notifications.queue(tx, NotificationEvent.rollout(orgSlug, deploymentId, type, Optional.empty(),
                    all.of("SUCCEEDED"), all.of("FAILED"), all.total(), now), now);
        }
    }

    private void pause(Database.Tx tx, String orgSlug, Deployment deployment, String reason, Instant now)
            throws SQLException {
        LOG.info("roll-out {}/{} paused: {}", orgSlug, deployment.deploymentId(), reason);
        deployments.setStatus(tx, orgSlug, deployment.deploymentId(), "PAUSED", Optional.of(reason), now);
        DeploymentStore.Counts all = deployments.allCounts(tx, orgSlug, deployment.deploymentId());
        Notifications.queue(tx, NotificationEvent.rollout(orgSlug, deployment.deploymentId(),
                NotificationEvent.ROLLOUT_PAUSED, Optional.of(reason), all.of("SUCCEEDED"), all.of("FAILED"),
                all.total(), now), now);
    }

    /**
     * Sends the update to each device (a command on {@code factory.commands}, which the bridge publishes to the
     * device) and marks its target SENT. A command id is the same for the same deployment and device, so a command
     * sent again after a failed transaction is recognised by the device as the same one.
     */
    private void send(Database.Tx tx, String orgSlug, Deployment deployment, List<String> deviceIds, Instant now)
            throws SQLException {
        if (deviceIds.isEmpty()) {
            return;
        }
        Firmware image = firmware.find(tx, orgSlug, deployment.firmwareId()).orElseThrow();
        Map<String, Object> payload = update(deployment.deploymentId(), image, links.issue(orgSlug, image.firmwareId()));
        for (String deviceId : deviceIds) {
            command(orgSlug, deviceId, deployment.deploymentId(), UPDATE_COMMAND, payload, now);
        }
        deployments.markSent(tx, orgSlug, deployment.deploymentId(), deviceIds, image.version(), now);
    }

    /** What a device is told of its update: the image, where to fetch it until when, and how to check it. */
    static Map<String, Object> update(String deploymentId, Firmware image, DownloadLinks.Link link) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("deploymentId", deploymentId);
        payload.put("firmwareId", image.firmwareId().toString());
        payload.put("version", image.version());
        payload.put("url", link.url());
        payload.put("urlExpiresAt", link.expiresAt().toString());
        payload.put("sizeBytes", image.sizeBytes());
        payload.put("sha256", image.sha256());
        return payload;
    }

    /** Tells devices still updating that the roll-out was cancelled (they may stop; their targets have ended). */
    void sendCancel(String orgSlug, String deploymentId, List<String> deviceIds) {
        Instant now = clock.instant();
        for (String deviceId : deviceIds) {
            command(orgSlug, deviceId, deploymentId, CANCEL_COMMAND, Map.of("deploymentId", deploymentId), now);
        }
    }

    private void command(String orgSlug, String deviceId, String deploymentId, String type, Map<String, Object> payload,
                         Instant now) {
        kafka.command(new DeviceRef(orgSlug, deviceId), type, deploymentId, payload, now);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
