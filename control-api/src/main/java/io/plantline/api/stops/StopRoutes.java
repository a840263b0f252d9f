package io.plantline.api.stops;

import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Role;
import io.plantline.api.kpis.KpiQueries;
import io.plantline.api.kpis.Scopes;
import io.plantline.model.DeviceRef;
import io.plantline.model.Limits;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code /stops}: the stops of a machine, a group or the organisation over a range, each with its device's reason,
 * an operator's classification, the effective reason and its category, filtered so the long unclassified ones are
 * easy to find; and {@code PUT /stops/{deviceId}/{startedAt}/classification}, by which an operator sets or changes a
 * stop's reason (one of the catalogue's) and comment, audited with what it replaced.
 */
public final class StopRoutes {

    static final Duration MAX_RANGE = Duration.ofDays(366);
    static final int MAX_COMMENT = 1000;
    /** A week: a longer minimum would find nothing a range of stops is likely to hold. */
    static final int MAX_MIN_DURATION_SECONDS = 7 * 24 * 3600;
    private static final Pattern STATE = Pattern.compile("IDLE|DOWN");
    private static final Pattern SORT = Pattern.compile("startedAt|duration");

    private final Database database;
    private final StopStore store;
    private final Scopes scopes;

    public StopRoutes(Database database) {
        this.database = database;
        this.store = new StopStore(database);
        this.scopes = new Scopes(database);
    }

    public void register(ApiRoutes routes) {
        routes.get("/stops", Role.VIEWER, this::list);
        routes.put("/stops/:deviceId/:startedAt/classification", Role.OPERATOR, this::classify);
    }

    private Object list(Call call) {
        List<String> problems = new ArrayList<>();
        KpiQueries.Scope scope = Scopes.read(call, problems);
        Call.PageRequest page = call.pageRequest(problems);
        Instant from = call.requiredInstant("from", problems);
        Instant to = call.requiredInstant("to", problems);
        if (from != null && to != null && (!from.isBefore(to) || Duration.between(from, to).compareTo(MAX_RANGE) > 0)) {
            problems.add("from must be before to, at most " + MAX_RANGE.toDays() + " days apart");
        }
        Optional<String> state = call.query("state", STATE, problems);
        List<String> categories = categories(call, problems);
        Optional<String> reasonCode = call.query("reasonCode", Limits.REASON_CODE, problems);
        Optional<Boolean> classified = call.queryBoolean("classified", problems);
        Optional<Integer> minDuration = call.query("minDurationSeconds").isEmpty() ? Optional.empty()
                : Optional.of(call.queryInt("minDurationSeconds", 0, 0, MAX_MIN_DURATION_SECONDS, problems));
        boolean longestFirst = call.query("sort", SORT, problems).filter("duration"::equals).isPresent();
        ApiException.throwIfAny(problems);
        scopes.requireExisting(scope);
        StopStore.StopPage found = store.list(scope, from, to, new StopStore.Filter(state, categories, reasonCode,
                classified, minDuration, longestFirst), page.offset(), page.pageSize());
        return page.of(found.stops(), found.total());
    }

    /** {@code category}: one or more of the categories, comma-separated. */
    private static List<String> categories(Call call, List<String> problems) {
        List<String> asked = call.query("category").map(list -> Arrays.asList(list.split(",", -1))).orElse(List.of());
        if (!ClassifiedStops.CATEGORIES.containsAll(asked)) {
            problems.add("category must be one or more of " + String.join(", ", ClassifiedStops.CATEGORIES)
                    + ", comma-separated");
            return List.of();
        }
        return asked;
    }

    private Object classify(Call call) {
        String deviceId = call.path("deviceId");
        Instant startedAt = stopStart(call.path("startedAt"));
        if (!DeviceRef.DEVICE_ID.matcher(deviceId).matches() || startedAt == null) {
            throw ApiException.notFound("stop");
        }
        Fields fields = new Fields(call.body(), "reasonCode", "comment");
        String reasonCode = fields.required("reasonCode", fields.matching("reasonCode", Limits.REASON_CODE));
        String comment = fields.text("comment", MAX_COMMENT).filter(text -> !text.isBlank()).orElse(null);
        fields.check();
        String entity = "stop/" + deviceId + "/" + startedAt;
        call.audit(entity);
        return database.transaction(tx -> {
            if (store.find(tx, call.org(), deviceId, startedAt).isEmpty()) {
                throw ApiException.notFound("stop");
            }
            if (!store.inCatalogue(tx, call.org(), reasonCode)) {
                throw ApiException.of(422, "unknown_reason", "reason " + reasonCode
                        + " is not in the organisation's catalogue of stop reasons (/stop-reasons); details list its codes",
                        store.catalogueCodes(tx, call.org()));
            }
            Optional<StopStore.Classification> previous = store.classify(tx, call.org(), deviceId, startedAt, reasonCode,
                    comment, call.principal().email());
            Map<String, Object> change = new LinkedHashMap<>();
            change.put("reasonCode", reasonCode);
            change.put("comment", comment);
            change.put("previousReasonCode", previous.map(StopStore.Classification::reasonCode).orElse(null));
            change.put("previousComment", previous.map(StopStore.Classification::comment).orElse(null));
            call.audit(entity, change);
            return store.find(tx, call.org(), deviceId, startedAt).orElseThrow();
        });
    }

    /** The stop's start as the path gives it; null when it is no instant, which names no stop. */
    private static Instant stopStart(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
