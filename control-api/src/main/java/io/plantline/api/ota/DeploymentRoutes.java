package io.plantline.api.ota;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.db.Database;
import io.plantline.api.devices.DeviceStore;
import io.plantline.api.groups.GroupStore;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Reply;
import io.plantline.api.http.Role;
import io.plantline.model.DeviceRef;
import io.plantline.model.Limits;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /ota/deployments}: firmware roll-outs to devices or a group, in stages ({@link RolloutPolicy}); pause,
 * resume and cancel; the summary of target states and the per-device detail. {@code POST /ota/deploy} is the short
 * form {@code {version, devices}}: one stage, default thresholds.
 */
public final class DeploymentRoutes {

    private static final int MAX_TARGETS = 10_000;

    private final Database database;
    private final DeploymentStore deployments;
    private final FirmwareRoutes firmware;
    private final DeviceStore devices;
    private final GroupStore groups;
    private final Rollouts rollouts;
    private final Clock clock;

    public DeploymentRoutes(Database database, DeploymentStore deployments, FirmwareRoutes firmware, DeviceStore devices,
                     GroupStore groups, Rollouts rollouts, Clock clock) {
        this.database = database;
        this.deployments = deployments;
        this.firmware = firmware;
        this.devices = devices;
        this.groups = groups;
        this.rollouts = rollouts;
        this.clock = clock;
    }

    public void register(ApiRoutes routes) {
        routes.post("/ota/deployments", Role.OPERATOR, this::create);
        routes.post("/ota/deploy", Role.OPERATOR, this::deploy);
        routes.get("/ota/deployments", Role.VIEWER, call -> {
            Call.PageRequest page = call.page();
            return page.of(deployments.list(call.org(), page.offset(), page.pageSize()), deployments.count(call.org()));
        });
        routes.get("/ota/deployments/:deploymentId", Role.VIEWER, call -> find(call.org(), call.path("deploymentId")));
        routes.get("/ota/deployments/:deploymentId/targets", Role.VIEWER, this::targets);
        routes.post("/ota/deployments/:deploymentId/pause", Role.OPERATOR, this::pause);
        routes.post("/ota/deployments/:deploymentId/resume", Role.OPERATOR, this::resume);
        routes.post("/ota/deployments/:deploymentId/cancel", Role.OPERATOR, this::cancel);
    }

    /**
     * {@code {deploymentId?, firmwareId, deviceIds | groupId, policy?: {stageSize | stagePercent, successThreshold,
     * failureThreshold}}}: the first stage's updates are sent before the answer.
     */
    private Object create(Call call) {
        Fields fields = new Fields(call.body(), "deploymentId", "firmwareId", "deviceIds", "groupId", "policy");
        String deploymentId = fields.matching("deploymentId", Limits.IDENTIFIER).orElseGet(() -> UUID.randomUUID().toString());
        String firmwareId = fields.required("firmwareId", fields.text("firmwareId", 64));
        Optional<List<String>> deviceIds = fields.textList("deviceIds", DeviceRef.DEVICE_ID, MAX_TARGETS);
        Optional<String> groupId = fields.matching("groupId", Limits.IDENTIFIER);
        if (deviceIds.isPresent() == groupId.isPresent()) {
            fields.problem("give deviceIds or groupId (one of them)");
        }
        RolloutPolicy policy = policy(fields, fields.object("policy", 4).orElse(null));
        fields.check();
        Firmware image = firmware.find(call.org(), firmwareId);
        List<String> targets = deviceIds.orElseGet(() -> groups.find(call.org(), groupId.get())
                .orElseThrow(() -> ApiException.notFound("group")).deviceIds());
        return start(call, deploymentId, image, targets, policy);
    }

    /** The short form: {@code {version, devices, hardwareModel?}}, one stage. */
    private Object deploy(Call call) {
        Fields fields = new Fields(call.body(), "version", "devices", "hardwareModel");
        String version = fields.required("version", fields.matching("version", FirmwareRoutes.VERSION));
        List<String> targets = fields.required("devices", fields.textList("devices", DeviceRef.DEVICE_ID, MAX_TARGETS));
        String hardwareModel = fields.text("hardwareModel", 64).orElse("");
        fields.check();
        Firmware image = firmware.byVersion(call.org(), hardwareModel, version);
        return start(call, UUID.randomUUID().toString(), image, targets,
                new RolloutPolicy(Optional.empty(), Optional.empty(), RolloutPolicy.DEFAULT_SUCCESS_THRESHOLD,
                        RolloutPolicy.DEFAULT_FAILURE_THRESHOLD));
    }

    private Object start(Call call, String deploymentId, Firmware image, List<String> requested, RolloutPolicy policy) {
        List<String> targets = List.copyOf(new LinkedHashSet<>(requested));
        if (targets.isEmpty()) {
            throw ApiException.validation(List.of("a deployment needs at least one device"));
        }
        call.audit("deployment/" + deploymentId);
        database.transaction(tx -> {
            Map<String, String> models = devices.hardwareModels(tx, call.org(), targets);
            List<String> unknown = targets.stream().filter(id -> !models.containsKey(id)).toList();
            if (!unknown.isEmpty()) {
                throw ApiException.validation(unknown.stream().map(id -> "unknown device: " + id).toList());
            }
            refuseOtherModels(image, targets, models);
            deployments.create(tx, call.org(), deploymentId, image.firmwareId(), policy, policy.stages(targets),
                    call.principal().userId(), clock.instant());
            rollouts.evaluate(tx, call.org(), deployments.find(tx, call.org(), deploymentId).orElseThrow());
            return null;
        });
        return Reply.created(find(call.org(), deploymentId));
    }

    /** Firmware built for one hardware model would brick another: every target must be of the firmware's model. */
    private static void refuseOtherModels(Firmware image, List<String> targets, Map<String, String> models) {
        List<String> mismatched = targets.stream().filter(id -> !models.get(id).equals(image.hardwareModel()))
                .map(id -> id + " is hardware model '" + models.get(id) + "'").toList();
        if (!mismatched.isEmpty()) {
            throw ApiException.of(422, "hardware_model_mismatch", "firmware " + image.version() + " is for hardware model '"
                    + image.hardwareModel() + "'; every device of a roll-out must be of that model", mismatched);
        }
    }

    private static RolloutPolicy policy(Fields fields, ObjectNode node) {
        if (node == null) {
            return new RolloutPolicy(Optional.empty(), Optional.empty(), RolloutPolicy.DEFAULT_SUCCESS_THRESHOLD,
                    RolloutPolicy.DEFAULT_FAILURE_THRESHOLD);
        }
        Fields policy = new Fields(node, "stageSize", "stagePercent", "successThreshold", "failureThreshold");
        Optional<Integer> size = policy.integer("stageSize", 1, MAX_TARGETS);
        Optional<Integer> percent = policy.integer("stagePercent", 1, 100);
        double success = policy.number("successThreshold").orElse(RolloutPolicy.DEFAULT_SUCCESS_THRESHOLD);
        double failure = policy.number("failureThreshold").orElse(RolloutPolicy.DEFAULT_FAILURE_THRESHOLD);
        List<String> problems = new ArrayList<>(policy.problems());
        try {
            if (problems.isEmpty()) {
                return new RolloutPolicy(size, percent, success, failure);
            }
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        problems.forEach(problem -> fields.problem("policy: " + problem));
        return null;
    }

    private Object targets(Call call) {
        Deployment deployment = find(call.org(), call.path("deploymentId"));
        List<String> problems = new ArrayList<>();
        Optional<String> state = call.query("state");
        if (state.isPresent() && !DeploymentStore.STATES.contains(state.get())) {
            problems.add("state must be one of " + DeploymentStore.STATES);
        }
        Call.PageRequest page = call.page();
        ApiException.throwIfAny(problems);
        return page.of(deployments.targets(call.org(), deployment.deploymentId(), state, page.offset(), page.pageSize()),
                deployments.countTargets(call.org(), deployment.deploymentId(), state));
    }

    private Object pause(Call call) {
        return change(call, "RUNNING", (tx, deployment) -> deployments.setStatus(tx, call.org(),
                deployment.deploymentId(), "PAUSED", Optional.of("paused by " + call.principal().email()), clock.instant()));
    }

    private Object resume(Call call) {
        return change(call, "PAUSED", (tx, deployment) -> rollouts.resume(tx, call.org(), deployment));
    }

    /** Ends the roll-out: targets not yet ended fail with reason {@code cancelled}, and their devices are told. */
    private Object cancel(Call call) {
        List<String> told = new ArrayList<>();
        Object result = change(call, null, (tx, deployment) -> {
            deployments.setStatus(tx, call.org(), deployment.deploymentId(), "CANCELLED", Optional.empty(), clock.instant());
            told.addAll(deployments.failOpenTargets(tx, call.org(), deployment.deploymentId(), "cancelled", clock.instant()));
        });
        rollouts.sendCancel(call.org(), call.path("deploymentId"), told);
        return result;
    }

    @FunctionalInterface
    private interface Change {
        void apply(Database.Tx tx, Deployment deployment) throws SQLException;
    }

    /** A status change under the deployment's row lock; {@code from} null: any status but an ended one. */
    private Object change(Call call, String from, Change change) {
        String deploymentId = call.path("deploymentId");
        call.audit("deployment/" + deploymentId);
        database.transaction(tx -> {
            Deployment deployment = deployments.lock(tx, call.org(), deploymentId)
                    .orElseThrow(() -> ApiException.notFound("deployment"));
            boolean ended = deployment.status().equals("CANCELLED") || deployment.status().equals("COMPLETED");
            if (from == null ? ended : !deployment.status().equals(from)) {
                throw ApiException.businessRule("the deployment is " + deployment.status());
            }
            change.apply(tx, deployment);
            return null;
        });
        return find(call.org(), deploymentId);
    }

    private Deployment find(String orgSlug, String deploymentId) {
        return deployments.find(orgSlug, deploymentId).orElseThrow(() -> ApiException.notFound("deployment"));
    }
}
