package io.plantline.api.devices;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Reply;
import io.plantline.api.http.Role;
import io.plantline.api.profiles.ProfileStore;
import io.plantline.api.rules.RuleStore;
import io.plantline.model.DeviceRef;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /devices}: the organisation's devices. Viewers read; operators register, rename, enable, disable, rotate
 * write keys and issue or revoke read keys; admins change settings and delete. A key is shown once, in the answer
 * that issues it.
 */
public final class DeviceRoutes {

    /** Settings are admin work wherever they are written: here, at creation, and in a group's batch. */
    public static final Role SETTINGS_ROLE = Role.ADMIN;
    private static final int MAX_SEARCH = 200;

    private final Database database;
    private final DeviceStore devices;
    private final DeviceSettingsWriter settings;
    private final RuleStore rules;
    private final BrokerAccounts brokerAccounts;
    private final ProfileStore profiles;
    private final Clock clock;

    public DeviceRoutes(Database database, DeviceStore devices, DeviceSettingsWriter settings, RuleStore rules,
                        BrokerAccounts brokerAccounts, ProfileStore profiles, Clock clock) {
        this.database = database;
        this.devices = devices;
        this.settings = settings;
        this.rules = rules;
        this.brokerAccounts = brokerAccounts;
        this.profiles = profiles;
        this.clock = clock;
    }

    public void register(ApiRoutes routes) {
        routes.get("/devices", Role.VIEWER, this::list);
        routes.post("/devices", Role.OPERATOR, this::create);
        routes.get("/devices/:deviceId", Role.VIEWER, call -> find(call));
        routes.patch("/devices/:deviceId", Role.OPERATOR, this::update);
        routes.delete("/devices/:deviceId", Role.ADMIN, this::delete);
        routes.post("/devices/:deviceId/enable", Role.OPERATOR, call -> setEnabled(call, true));
        routes.post("/devices/:deviceId/disable", Role.OPERATOR, call -> setEnabled(call, false));
        routes.put("/devices/:deviceId/settings", SETTINGS_ROLE, this::replaceSettings);
        routes.post("/devices/:deviceId/write-key", Role.OPERATOR, this::rotateWriteKey);
        routes.post("/devices/:deviceId/read-key", Role.OPERATOR, this::issueReadKey);
        routes.delete("/devices/:deviceId/read-key", Role.OPERATOR, this::revokeReadKey);
        routes.get("/devices/:deviceId/status", Role.VIEWER, this::status);
    }

    private Object list(Call call) {
        List<String> problems = new ArrayList<>();
        Call.PageRequest page = call.pageRequest(problems);
        Optional<String> status = call.query("status", java.util.regex.Pattern.compile("enabled|disabled"), problems);
        Optional<String> search = call.query("search");
        if (search.filter(text -> text.length() > MAX_SEARCH).isPresent()) {
            problems.add("search must be at most " + MAX_SEARCH + " characters");
        }
        DeviceStore.Filter filter = new DeviceStore.Filter(call.query("group"), status.map("enabled"::equals),
                call.queryBoolean("online", problems), call.query("firmware"), search);
        ApiException.throwIfAny(problems);
        return page.of(devices.list(call.org(), filter, page.offset(), page.pageSize()), devices.count(call.org(), filter));
    }

    private Device find(Call call) {
        return devices.find(call.org(), call.path("deviceId")).orElseThrow(() -> ApiException.notFound("device"));
    }

    private Object create(Call call) {
        List<String> allowed = new ArrayList<>(List.of("deviceId", "name", "hardwareModel"));
        allowed.addAll(DeviceSettingsWriter.FIELDS);
        Fields fields = new Fields(call.body(), allowed.toArray(String[]::new));
        String deviceId = fields.required("deviceId", fields.matching("deviceId", DeviceRef.DEVICE_ID));
        String name = fields.text("name", 200).orElse("");
        String hardwareModel = fields.text("hardwareModel", 100).orElse("");
        DeviceSettingsWriter.Settings initial = DeviceSettingsWriter.read(fields, clock.instant());
        fields.check();
        if (DeviceSettingsWriter.FIELDS.stream().anyMatch(call.body()::has)) {
            call.requireRole(SETTINGS_ROLE);
        }
        DeviceKeys.Issued key = DeviceKeys.issue(DeviceKeys.Scope.WRITE);
        call.audit("device/" + deviceId);
        database.transaction(tx -> {
            devices.create(tx, call.org(), new DeviceStore.NewDevice(deviceId, name, hardwareModel), key);
            // Before the settings, which are published as they are written: a broker refusing the key stops it all.
            brokerAccounts.issued(new DeviceRef(call.org(), deviceId), key);
            return settings.apply(tx, call.org(), deviceId, initial);
        });
        return Reply.created(withWriteKey(devices.find(call.org(), deviceId).orElseThrow(), key));
    }

    /** Name and hardware model; {@code profileId} assigns a profile (the device's config must fit it) or, null, none. */
    private Object update(Call call) {
        Fields fields = new Fields(call.body(), "name", "hardwareModel", "profileId");
        Optional<String> name = fields.text("name", 200);
        Optional<String> hardwareModel = fields.text("hardwareModel", 100);
        boolean assigning = fields.has("profileId");
        Optional<String> profileId = call.body().path("profileId").isNull() ? Optional.empty() : fields.text("profileId", 128);
        fields.check();
        String deviceId = call.path("deviceId");
        call.audit("device/" + deviceId);
        database.transaction(tx -> {
            DeviceStore.LockedSettings current = devices.lockSettings(tx, call.org(), deviceId)
                    .orElseThrow(() -> ApiException.notFound("device"));
            if (assigning) {
                if (profileId.isPresent() && profiles.find(tx, call.org(), profileId.get()).isEmpty()) {
                    throw ApiException.businessRule("no profile " + profileId.get());
                }
                settings.fitted(tx, call.org(), profileId, (ObjectNode) current.config(), current.metadata());
                devices.assignProfile(tx, call.org(), deviceId, profileId);
            }
            return devices.rename(tx, call.org(), deviceId, name, hardwareModel);
        });
        return find(call);
    }

    private Object setEnabled(Call call, boolean enabled) {
        String deviceId = call.path("deviceId");
        call.audit("device/" + deviceId);
        if (database.transaction(tx -> devices.setEnabled(tx, call.org(), List.of(deviceId), enabled)) == 0) {
            throw ApiException.notFound("device");
        }
        return find(call);
    }

    private Object delete(Call call) {
        String deviceId = call.path("deviceId");
        call.audit("device/" + deviceId);
        boolean deleted = database.transaction(tx -> {
            Optional<List<String>> groups = devices.delete(tx, call.org(), deviceId);
            if (groups.isPresent()) {
                rules.republishForGroups(tx, call.org(), groups.get());
                settings.forget(call.org(), deviceId);
            }
            return groups.isPresent();
        });
        if (!deleted) {
            throw ApiException.notFound("device");
        }
        return Reply.noContent();
    }

    private Object replaceSettings(Call call) {
        String deviceId = call.path("deviceId");
        Fields fields = new Fields(call.body(), DeviceSettingsWriter.FIELDS.toArray(String[]::new));
        DeviceSettingsWriter.Settings submitted = DeviceSettingsWriter.read(fields, clock.instant());
        fields.check();
        call.audit("device/" + deviceId);
        if (!database.transaction(tx -> settings.apply(tx, call.org(), deviceId, submitted))) {
            throw ApiException.notFound("device");
        }
        return find(call);
    }

    private Object rotateWriteKey(Call call) {
        String deviceId = call.path("deviceId");
        DeviceKeys.Issued key = DeviceKeys.issue(DeviceKeys.Scope.WRITE);
        call.audit("device/" + deviceId);
        boolean replaced = database.transaction(tx -> {
            if (!devices.replaceWriteKey(tx, call.org(), deviceId, key)) {
                return false;
            }
            brokerAccounts.issued(new DeviceRef(call.org(), deviceId), key);
            return true;
        });
        if (!replaced) {
            throw ApiException.notFound("device");
        }
        return withWriteKey(find(call), key);
    }

    private Object status(Call call) {
        Device device = find(call);
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("deviceId", device.deviceId());
        status.put("enabled", device.enabled());
        status.put("online", device.online());
        status.put("lastSeenAt", device.lastSeenAt());
        status.put("machineState", device.machineState());
        status.put("machineStateSince", device.machineStateSince());
        Map<String, Object> firmware = new LinkedHashMap<>();
        firmware.put("current", device.firmwareCurrent());
        firmware.put("previous", device.firmwarePrevious());
        firmware.put("target", device.firmwareTarget());
        status.put("firmware", firmware);
        return status;
    }

    /** A new read key, replacing the one the device had. */
    private Object issueReadKey(Call call) {
        String deviceId = call.path("deviceId");
        DeviceKeys.Issued key = DeviceKeys.issue(DeviceKeys.Scope.READ);
        call.audit("device/" + deviceId);
        if (!devices.replaceReadKey(call.org(), deviceId, Optional.of(key))) {
            throw ApiException.notFound("device");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("device", find(call));
        answer.put("readKey", key.key());
        answer.put("readKeyNote", "shown only now; it reads the device's configuration, metadata and latest readings");
        return Reply.created(answer);
    }

    private Object revokeReadKey(Call call) {
        String deviceId = call.path("deviceId");
        call.audit("device/" + deviceId);
        if (!devices.replaceReadKey(call.org(), deviceId, Optional.empty())) {
            throw ApiException.notFound("device");
        }
        return Reply.noContent();
    }

    private static Map<String, Object> withWriteKey(Device device, DeviceKeys.Issued key) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("device", device);
        answer.put("writeKey", key.key());
        answer.put("writeKeyNote", "shown only now; store it on the device");
        return answer;
    }
}
