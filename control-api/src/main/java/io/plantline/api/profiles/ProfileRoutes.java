package io.plantline.api.profiles;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Reply;
import io.plantline.api.http.Role;
import io.plantline.model.Limits;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /profiles}: the organisation's device profiles. Viewers read; admins create, replace and delete them (a
 * profile assigned to devices is not deleted: 409 names some of them). Devices are assigned a profile with
 * {@code PATCH /devices/{id} {"profileId": ...}}.
 */
public final class ProfileRoutes {

    static final int MAX_METRICS = 256;
    static final int MAX_CONFIG_FIELDS = 100;
    static final int MAX_METADATA_FIELDS = 50;
    private static final Pattern PROFILE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
    private static final Set<String> FIELD_TYPES = Set.of("number", "string", "boolean");
    private static final Set<String> OUTSIDE = Set.of("reject", "flag");

    private final Database database;
    private final ProfileStore profiles;

    public ProfileRoutes(Database database, ProfileStore profiles) {
        this.database = database;
        this.profiles = profiles;
    }

    public void register(ApiRoutes routes) {
        routes.get("/profiles", Role.VIEWER, this::list);
        routes.post("/profiles", Role.ADMIN, this::create);
        routes.get("/profiles/:profileId", Role.VIEWER, call -> found(call));
        routes.put("/profiles/:profileId", Role.ADMIN, this::replace);
        routes.delete("/profiles/:profileId", Role.ADMIN, this::delete);
    }

    private Object list(Call call) {
        Call.PageRequest page = call.page();
        return page.of(profiles.list(call.org(), page.offset(), page.pageSize()), profiles.count(call.org()));
    }

    private Profile found(Call call) {
        return profiles.find(call.org(), call.path("profileId")).orElseThrow(() -> ApiException.notFound("profile"));
    }

    private Object create(Call call) {
        Fields fields = new Fields(call.body(), "profileId", "name", "metrics", "configFields", "metadataFields",
                "outsideProfile");
        String profileId = fields.required("profileId", fields.matching("profileId", PROFILE_ID));
        Profile profile = read(fields, profileId);
        call.audit("profile/" + profileId);
        profiles.create(call.org(), profile);
        return Reply.created(profiles.find(call.org(), profileId).orElseThrow());
    }

    private Object replace(Call call) {
        String profileId = call.path("profileId");
        Profile profile = read(new Fields(call.body(), "name", "metrics", "configFields", "metadataFields", "outsideProfile"),
                profileId);
        call.audit("profile/" + profileId);
        if (!profiles.replace(call.org(), profile)) {
            throw ApiException.notFound("profile");
        }
        return found(call);
    }

    private Object delete(Call call) {
        String profileId = call.path("profileId");
        call.audit("profile/" + profileId);
        boolean deleted = database.transaction(tx -> {
            List<String> using = profiles.devicesUsing(tx, call.org(), profileId, 20);
            if (!using.isEmpty()) {
                throw ApiException.conflict("the profile is assigned to devices " + using + "; assign them another first");
            }
            return profiles.delete(tx, call.org(), profileId);
        });
        if (!deleted) {
            throw ApiException.notFound("profile");
        }
        return Reply.noContent();
    }

    /** The body's profile, every problem reported at once. */
    private static Profile read(Fields fields, String profileId) {
        String name = fields.required("name", fields.text("name", 200));
        if (name != null && name.isBlank()) {
            fields.problem("name must not be blank");
        }
        String outside = fields.oneOf("outsideProfile", OUTSIDE).orElse("reject");
        List<Profile.Metric> metrics = metrics(entries(fields, "metrics", MAX_METRICS, "metrics"), fields);
        List<Profile.ConfigField> configFields = configFields(entries(fields, "configFields", MAX_CONFIG_FIELDS, "fields"),
                fields);
        List<Profile.MetadataField> metadataFields = metadataFields(entries(fields, "metadataFields", MAX_METADATA_FIELDS,
                "fields"), fields);
        fields.check();
        return new Profile(profileId, name, metrics, configFields, metadataFields, outside, null, null);
    }

    /** A list field's entries: none when it is absent, and none with a problem when it is not a list of at most max. */
    private static List<JsonNode> entries(Fields fields, String field, int max, String noun) {
        Optional<JsonNode> node = fields.node(field);
        if (node.isPresent() && (!node.get().isArray() || node.get().size() > max)) {
            fields.problem(field + " must be a list of at most " + max + " " + noun);
            return List.of();
        }
        List<JsonNode> entries = new ArrayList<>();
        node.ifPresent(list -> list.forEach(entries::add));
        return entries;
    }

    private static List<Profile.Metric> metrics(List<JsonNode> entries, Fields fields) {
        List<Profile.Metric> metrics = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode metric : entries) {
            String name = metric.path("name").asText("");
            Double min = number(metric, "min", "metrics." + name, fields);
            Double max = number(metric, "max", "metrics." + name, fields);
            if (!metric.isObject() || !Limits.METRIC_NAME.matcher(name).matches()) {
                fields.problem("metrics: each needs a name matching " + Limits.METRIC_NAME.pattern());
            } else if (!names.add(name)) {
                fields.problem("metrics." + name + " is declared twice");
            } else if (metric.has("unit") && (!metric.get("unit").isTextual() || metric.get("unit").textValue().length() > 32)) {
                fields.problem("metrics." + name + ".unit must be a string of at most 32 characters");
            } else if (min != null && max != null && min > max) {
                fields.problem("metrics." + name + ": min must not be above max");
            } else {
                metrics.add(new Profile.Metric(name, metric.path("unit").asText(null), min, max));
            }
        }
        return metrics;
    }

    private static Double number(JsonNode metric, String bound, String where, Fields fields) {
        JsonNode value = metric.get(bound);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
            fields.problem(where + "." + bound + " must be a finite number");
            return null;
        }
        return value.doubleValue();
    }

    private static List<Profile.ConfigField> configFields(List<JsonNode> entries, Fields fields) {
        List<Profile.ConfigField> configFields = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode field : entries) {
            String name = field.path("name").asText("");
            String type = field.path("type").asText("");
            JsonNode defaultValue = field.get("defaultValue");
            Profile.ConfigField declared = new Profile.ConfigField(name, type, defaultValue);
            if (!field.isObject() || name.isEmpty() || name.length() > 64) {
                fields.problem("configFields: each needs a name of 1 to 64 characters");
            } else if (!names.add(name)) {
                fields.problem("configFields." + name + " is declared twice");
            } else if (!FIELD_TYPES.contains(type)) {
                fields.problem("configFields." + name + ".type must be one of " + FIELD_TYPES);
            } else if (defaultValue != null && !defaultValue.isNull() && !declared.accepts(defaultValue)) {
                fields.problem("configFields." + name + ".defaultValue must be a " + type);
            } else {
                configFields.add(declared);
            }
        }
        return configFields;
    }

    private static List<Profile.MetadataField> metadataFields(List<JsonNode> entries, Fields fields) {
        List<Profile.MetadataField> metadataFields = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode field : entries) {
            String name = field.path("name").asText("");
            JsonNode defaultValue = field.get("defaultValue");
            if (!field.isObject() || name.isEmpty() || name.length() > 64) {
                fields.problem("metadataFields: each needs a name of 1 to 64 characters");
            } else if (!names.add(name)) {
                fields.problem("metadataFields." + name + " is declared twice");
            } else if (defaultValue != null && !defaultValue.isNull()
                    && (!defaultValue.isTextual() || defaultValue.textValue().length() > 1000)) {
                fields.problem("metadataFields." + name + ".defaultValue must be a string of at most 1000 characters");
            } else {
                metadataFields.add(new Profile.MetadataField(name, defaultValue == null || defaultValue.isNull() ? null
                        : defaultValue.textValue()));
            }
        }
        return metadataFields;
    }
}
