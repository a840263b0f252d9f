package io.plantline.api.groups;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.plantline.api.db.Database;
import io.plantline.api.devices.DeviceRoutes;
import io.plantline.api.devices.DeviceSettingsWriter;
import io.plantline.api.devices.DeviceStore;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Reply;
import io.plantline.api.http.Role;
import io.plantline.api.rules.RuleStore;
import io.plantline.api.shifts.DeviceCalendars;
import io.plantline.model.AlertRule;
import io.plantline.model.DeviceRef;
import io.plantline.model.Limits;
import io.plantline.model.RuleScope;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /groups}: named sets of devices, for filters, group-scoped rules, KPIs and batch operations. Operators
 * manage them. A batch operation answers {@code {success, updated, failures}}: every device it could not change
 * is listed with the reason, so nothing fails silently.
 */
public final class GroupRoutes {

    private static final int MAX_MEMBERS = 10_000;
    /**
     * The batch actions and the role each needs: enabling and disabling are operator work, but settings and rule
     * scopes are admin routes elsewhere, and a batch must not be a way around them.
     */
    private static final Logger LOG = LoggerFactory.getLogger(GroupRoutes.class);
    public static final Map<String, Role> BATCH_ACTIONS = Map.of("enable", Role.OPERATOR, "disable", Role.OPERATOR,
            "apply-settings", DeviceRoutes.SETTINGS_ROLE, "attach-rule", Role.ADMIN);

    /** The answer of a batch operation. */
    public record BatchResult(boolean success, int updated, List<Failure> failures) {
        public record Failure(String deviceId, String reason) {
        }
    }

    private final Database database;
    private final GroupStore groups;
    private final DeviceStore devices;
    private final DeviceSettingsWriter settings;
    private final DeviceCalendars calendars;
    private final RuleStore rules;
    private final Clock clock;

    public GroupRoutes(Database database, GroupStore groups, DeviceStore devices, DeviceSettingsWriter settings,
                       DeviceCalendars calendars, RuleStore rules, Clock clock) {
        this.database = database;
        this.groups = groups;
        this.devices = devices;
        this.settings = settings;
        this.calendars = calendars;
        this.rules = rules;
        this.clock = clock;
    }

    public void register(ApiRoutes routes) {
        routes.get("/groups", Role.VIEWER, this::list);
        routes.post("/groups", Role.OPERATOR, this::create);
        routes.post("/devices/group", Role.OPERATOR, this::create);
        routes.get("/groups/:groupId", Role.VIEWER, call -> find(call.org(), call.path("groupId")));
        routes.patch("/groups/:groupId", Role.OPERATOR, this::rename);
        routes.delete("/groups/:groupId", Role.OPERATOR, this::delete);
        routes.put("/groups/:groupId/members", Role.OPERATOR, this::setMembers);
        routes.post("/groups/:groupId/batch", Role.OPERATOR, this::batch);
    }

    private Object list(Call call) {
        Call.PageRequest page = call.page();
        return page.of(groups.list(call.org(), page.offset(), page.pageSize()), groups.count(call.org()));
    }

    private GroupStore.Group find(String orgSlug, String groupId) {
        return groups.find(orgSlug, groupId).orElseThrow(() -> ApiException.notFound("group"));
    }

    /** {@code groupId} is optional: without it, the id is made from the name ("Line 1" becomes "line-1"). */
    private Object create(Call call) {
        Fields fields = new Fields(call.body(), "groupId", "name", "deviceIds");
        String name = fields.required("name", fields.text("name", 200).filter(text -> !text.isBlank()));
        String groupId = fields.matching("groupId", Limits.IDENTIFIER).orElseGet(() -> name == null ? null : idFrom(name));
        List<String> members = fields.textList("deviceIds", DeviceRef.DEVICE_ID, MAX_MEMBERS).orElse(List.of());
        if (groupId == null && name != null) {
            fields.problem("groupId is required when the name has no letters or digits");
        }
        fields.check();
        call.audit("group/" + groupId);
        database.transaction(tx -> {
            groups.create(tx, call.org(), groupId, name);
            replaceMembers(tx, call.org(), groupId, members);
            return null;
        });
        return Reply.created(find(call.org(), groupId));
    }

    private Object rename(Call call) {
        Fields fields = new Fields(call.body(), "name");
        String name = fields.required("name", fields.text("name", 200).filter(text -> !text.isBlank()));
        fields.check();
        call.audit("group/" + call.path("groupId"));
        if (!groups.rename(call.org(), call.path("groupId"), name)) {
            throw ApiException.notFound("group");
        }
        return find(call.org(), call.path("groupId"));
    }

    private Object delete(Call call) {
        String groupId = call.path("groupId");
        call.audit("group/" + groupId);
        database.transaction(tx -> {
            List<String> ruleIds = rules.usingGroup(tx, call.org(), groupId);
            if (!ruleIds.isEmpty()) {
                throw ApiException.conflict("the group is the scope of rules " + ruleIds + "; change or delete them first");
            }
            List<String> subscriptionIds = tx.list("SELECT subscription_id::text FROM notification_subscriptions"
                    + " WHERE org_slug = ? AND group_id = ? ORDER BY subscription_id", row -> row.getString(1),
                    call.org(), groupId);
            if (!subscriptionIds.isEmpty()) {
                throw ApiException.conflict("the group filters notification subscriptions " + subscriptionIds
                        + "; change or delete them first");
            }
            List<String> members = groups.members(tx, call.org(), groupId);
            if (!groups.delete(tx, call.org(), groupId)) {
                throw ApiException.notFound("group");
            }
            settings.republish(tx, call.org(), members);   // they follow the organisation's calendar now
            return null;
        });
        return Reply.noContent();
    }

    /**
     * The group's members, as the answer to a change: with the rules scoped to it, whose watched devices changed too.
     */
    record MembersChanged(@JsonUnwrapped GroupStore.Group group, List<String> scopesRules) {
    }

    /**
     * Rules are an admin's: an operator may not change the members of a group that scopes rules (409
     * {@code group_scopes_rules}, naming them), since that would change what those rules watch; an admin may, and the
     * answer names the rules republished with the new members.
     */
    private Object setMembers(Call call) {
        String groupId = call.path("groupId");
        Fields fields = new Fields(call.body(), "deviceIds");
        List<String> members = fields.required("deviceIds", fields.textList("deviceIds", DeviceRef.DEVICE_ID, MAX_MEMBERS));
        fields.check();
        call.audit("group/" + groupId);
        List<String> scopedRules = database.transaction(tx -> {
            if (groups.find(tx, call.org(), groupId).isEmpty()) {
                throw ApiException.notFound("group");
            }
            List<String> ruleIds = rules.usingGroup(tx, call.org(), groupId);
            if (!ruleIds.isEmpty() && !call.principal().role().includes(Role.ADMIN)) {
                throw ApiException.of(409, "group_scopes_rules", "the group is the scope of rules; an admin changes its"
                        + " members, or the rules' scope changes first", ruleIds);
            }
            replaceMembers(tx, call.org(), groupId, members);
            return ruleIds;
        });
        return new MembersChanged(find(call.org(), groupId), scopedRules);
    }

    /** All or nothing: unknown devices refuse the whole change, naming each of them. */
    private void replaceMembers(Database.Tx tx, String orgSlug, String groupId, List<String> members) throws SQLException {
        List<String> unknown = new ArrayList<>(members);
        unknown.removeAll(devices.existing(tx, orgSlug, members));
        if (!unknown.isEmpty()) {
            throw ApiException.businessRule("no such devices: " + String.join(", ", unknown.subList(0, Math.min(20, unknown.size())))
                    + (unknown.size() > 20 ? " and " + (unknown.size() - 20) + " more" : ""));
        }
        List<String> before = groups.members(tx, orgSlug, groupId);
        groups.setMembers(tx, orgSlug, groupId, members);
        List<String> elsewhere = calendars.membersFollowingAnotherLine(tx, orgSlug, groupId);
        if (!elsewhere.isEmpty()) {
            throw ApiException.conflict("devices " + elsewhere + " are in another line with a calendar, and this line"
                    + " has one; a machine follows one line's calendar");
        }
        rules.republishForGroups(tx, orgSlug, List.of(groupId));
        // Machines that joined or left may follow another calendar now.
        Set<String> joinedOrLeft = new HashSet<>(before);
        joinedOrLeft.addAll(members);
        joinedOrLeft.removeIf(device -> before.contains(device) && members.contains(device));
        settings.republish(tx, orgSlug, joinedOrLeft);
    }

    private Object batch(Call call) {
        String groupId = call.path("groupId");
        Fields fields = new Fields(call.body(), "action", "settings", "ruleId");
        String action = fields.required("action", fields.oneOf("action", BATCH_ACTIONS.keySet()));
        Optional<DeviceSettingsWriter.Settings> newSettings = fields.object("settings", 4).map(node -> {
            Fields settingsFields = new Fields(node, DeviceSettingsWriter.FIELDS.toArray(String[]::new));
            DeviceSettingsWriter.Settings read = DeviceSettingsWriter.read(settingsFields, clock.instant());
            settingsFields.check();
            return read;
        });
        Optional<String> ruleId = fields.matching("ruleId", Limits.IDENTIFIER);
        if ("apply-settings".equals(action) && newSettings.isEmpty()) {
            fields.problem("settings is required for apply-settings");
        }
        if ("attach-rule".equals(action) && ruleId.isEmpty()) {
            fields.problem("ruleId is required for attach-rule");
        }
        fields.check();
        call.requireRole(BATCH_ACTIONS.get(action));
        List<String> members = find(call.org(), groupId).deviceIds();
        call.audit("group/" + groupId);
        return switch (action) {
            case "enable", "disable" -> {
                int updated = database.transaction(tx -> devices.setEnabled(tx, call.org(), members, "enable".equals(action)));
                yield new BatchResult(true, updated, List.of());
            }
            case "apply-settings" -> applySettings(call.org(), members, newSettings.orElseThrow());
            default -> attachRule(call.org(), groupId, ruleId.orElseThrow(), members);
        };
    }

    /** One transaction per device, so one device's failure (Kafka, a concurrent delete) spares the others and is listed. */
    private BatchResult applySettings(String orgSlug, List<String> members, DeviceSettingsWriter.Settings newSettings) {
        List<BatchResult.Failure> failures = new ArrayList<>();
        int updated = 0;
        for (String deviceId : members) {
            try {
                if (database.transaction(tx -> settings.apply(tx, orgSlug, deviceId, newSettings))) {
                    updated++;
                } else {
                    failures.add(new BatchResult.Failure(deviceId, "device no longer exists"));
                }
            } catch (ApiException e) {
                // A device's profile may refuse the configuration: the fields it names are the reason.
                failures.add(new BatchResult.Failure(deviceId, e.details().isEmpty() ? e.getMessage()
                        : e.getMessage() + ": " + String.join("; ", e.details())));
            } catch (Database.DatabaseException e) {
                // The database's own message names tables and constraints: it goes to the log, not to the caller.
                LOG.warn("batch settings of {}/{} not written", orgSlug, deviceId, e);
                failures.add(new BatchResult.Failure(deviceId, "not written: the database refused it"));
            }
        }
        return new BatchResult(failures.isEmpty(), updated, failures);
    }

    /** The rule watches this group from now on (its scope becomes the group); updated counts the devices it covers. */
    private BatchResult attachRule(String orgSlug, String groupId, String ruleId, List<String> members) {
        database.transaction(tx -> {
            RuleStore.StoredRule stored = rules.find(tx, orgSlug, ruleId)
                    .orElseThrow(() -> ApiException.businessRule("no rule " + ruleId));
            AlertRule rule = stored.rule();
            return rules.save(tx, stored.name(), new AlertRule(rule.ruleId(), orgSlug,
                    RuleScope.group(groupId, Set.of()), rule.metric(), rule.operator(), rule.threshold(),
                    rule.forSeconds(), rule.count(), rule.clearThreshold(), rule.severity(), rule.escalation(),
                    rule.enabled()), false);
        });
        return new BatchResult(true, members.size(), List.of());
    }

    private static String idFrom(String name) {
        String id = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+)|(-+$)", "");
        id = id.length() > 128 ? id.substring(0, 128) : id;
        return Limits.IDENTIFIER.matcher(id).matches() ? id : null;
    }
}
