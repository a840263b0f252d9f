package io.plantline.api.kpis;

import io.plantline.api.ApiOptions.KpiRetention;
import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Role;
import io.plantline.model.DeviceRef;
import io.plantline.model.Limits;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * KPI queries over the tables the jobs write: {@code /telemetry} (one device's metric at 1m, 1h or 1d),
 * {@code /analytics/oee} (a device, a group or the organisation: a series at the chosen granularity and the range's
 * total, both from summed components, and the range's MTBF and MTTR; with {@code per=device} also each machine's)
 * and {@code /anomalies}. Ranges are {@code [from, to)}. A range that starts before its granularity's retention
 * horizon (minutes are kept 90 days by default, {@link KpiRetention}) is refused with 422 {@code past_retention}
 * rather than answered with the empty or partial series the dropped partitions would leave.
 */
public final class KpiRoutes {

    /** A series longer than this asks for a coarser granularity instead of a huge answer. */
    static final int MAX_BUCKETS = 10_000;
    private static final Duration MAX_ANOMALY_RANGE = Duration.ofDays(366);
    private static final Pattern PER_DEVICE = Pattern.compile("device");

    private final KpiStore store;
    private final Scopes scopes;
    private final KpiRetention retention;
    private final Clock clock;

    public KpiRoutes(Database database, KpiRetention retention, Clock clock) {
        this.store = new KpiStore(database);
        this.scopes = new Scopes(database);
        this.retention = retention;
        this.clock = clock;
    }

    public void register(ApiRoutes routes) {
        routes.get("/telemetry", Role.VIEWER, this::telemetry);
        routes.get("/analytics/oee", Role.VIEWER, this::oee);
        routes.get("/anomalies", Role.VIEWER, this::anomalies);
    }

    private record Range(Instant from, Instant to, Granularity granularity) {
    }

    private Object telemetry(Call call) {
        List<String> problems = new ArrayList<>();
        Optional<String> deviceId = call.query("deviceId", DeviceRef.DEVICE_ID, problems);
        Optional<String> metric = call.query("metric", Limits.METRIC_NAME, problems);
        if (call.query("deviceId").isEmpty()) {
            problems.add("deviceId is required");
        }
        if (call.query("metric").isEmpty()) {
            problems.add("metric is required");
        }
        Range range = range(call, "resolution", problems);
        scopes.requireExisting(new KpiQueries.Scope(call.org(), deviceId, Optional.empty()));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("deviceId", deviceId.get());
        answer.put("metric", metric.orElseThrow());
        answer.put("unit", store.unit(call.org(), deviceId.get(), metric.get()).orElse(null));
        answer.put("resolution", range.granularity().wireName);
        answer.put("from", range.from());
        answer.put("to", range.to());
        answer.put("series", store.telemetry(call.org(), deviceId.get(), metric.get(), range.granularity(),
                range.from(), range.to()));
        return answer;
    }

    private Object oee(Call call) {
        List<String> problems = new ArrayList<>();
        KpiQueries.Scope scope = Scopes.read(call, problems);
        Optional<String> per = call.query("per", PER_DEVICE, problems);
        Range range = range(call, "granularity", problems);
        scopes.requireExisting(scope);
        List<OeeFigures> rows = store.oee(scope, range.granularity(), range.from(), range.to());
        OeeFigures total = rows.stream().filter(row -> row.bucketStart() == null).findFirst().orElse(null);
        Map<String, Reliability.DownStops> downStops = store.downStops(scope, range.from(), range.to());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("scope", scopeAnswer(scope));
        answer.put("granularity", range.granularity().wireName);
        answer.put("from", range.from());
        answer.put("to", range.to());
        answer.put("series", rows.stream().filter(row -> row.bucketStart() != null).toList());
        answer.put("total", total);
        answer.put("reliability", Reliability.of(total == null ? 0 : total.runMs(),
                downStops.getOrDefault(null, Reliability.DownStops.NONE)));
        if (per.isPresent()) {
            answer.put("machines", store.oeeByDevice(scope, range.granularity(), range.from(), range.to()).stream()
                    .map(machine -> new MachineAnswer(machine.deviceId(), machine.total(), Reliability.of(
                            machine.total().runMs(), downStops.getOrDefault(machine.deviceId(), Reliability.DownStops.NONE))))
                    .toList());
        }
        return answer;
    }

    /** One machine's OEE and reliability over the range. */
    private record MachineAnswer(String deviceId, OeeFigures total, Reliability reliability) {
    }

    /** How an answer names its scope: {@code {"deviceId": ...}}, {@code {"groupId": ...}} or {@code {"organisation": ...}}. */
    public static Map<String, String> scopeAnswer(KpiQueries.Scope scope) {
        return scope.deviceId().map(id -> Map.of("deviceId", id))
                .or(() -> scope.groupId().map(id -> Map.of("groupId", id))).orElse(Map.of("organisation", scope.orgSlug()));
    }

    private Object anomalies(Call call) {
        List<String> problems = new ArrayList<>();
        Optional<String> deviceId = call.query("deviceId", DeviceRef.DEVICE_ID, problems);
        Optional<String> metric = call.query("metric", Limits.METRIC_NAME, problems);
        Call.PageRequest page = call.pageRequest(problems);
        Instant from = call.requiredInstant("from", problems);
        Instant to = call.requiredInstant("to", problems);
        if (from != null && to != null && (!from.isBefore(to) || Duration.between(from, to).compareTo(MAX_ANOMALY_RANGE) > 0)) {
            problems.add("from must be before to, at most " + MAX_ANOMALY_RANGE.toDays() + " days apart");
        }
        ApiException.throwIfAny(problems);
        KpiStore.AnomalyPage found = store.anomalies(call.org(), deviceId, metric, from, to, page.offset(), page.pageSize());
        return page.of(found.anomalies(), found.total());
    }

    /** from, to and the granularity, validated together: whole buckets only, and not too many of them. */
    private Range range(Call call, String granularityName, List<String> problems) {
        Optional<Granularity> granularity = call.query(granularityName).flatMap(Granularity::fromWireName);
        if (granularity.isEmpty()) {
            problems.add(granularityName + " is required: 1m, 1h or 1d");
        }
        Instant from = call.requiredInstant("from", problems);
        Instant to = call.requiredInstant("to", problems);
        ApiException.throwIfAny(problems);
        ZoneId zone = store.timeZone(call.org()).orElse(ZoneId.of("UTC"));
        Granularity size = granularity.get();
        if (!from.isBefore(to)) {
            problems.add("from must be before to");
        } else if (Duration.between(from, to).dividedBy(size.nominal) > MAX_BUCKETS) {
            problems.add("the range holds more than " + MAX_BUCKETS + " buckets of " + size.wireName + "; use a coarser one");
        }
        if (!size.isBoundary(from, zone) || !size.isBoundary(to, zone)) {
            problems.add("from and to must start " + size.wireName + " buckets"
                    + (size == Granularity.DAY ? " (midnight in the organisation's time zone " + zone + ")" : " (UTC)"));
        }
        ApiException.throwIfAny(problems);
        requireKept(granularityName, size, from);
        return new Range(from, to, size);
    }

    private void requireKept(String granularityName, Granularity size, Instant from) {
        Optional<Duration> kept = switch (size) {
            case MINUTE -> retention.minutes();
            case HOUR -> retention.hours();
            case DAY -> retention.days();
        };
        Optional<Instant> keptFrom = kept.map(clock.instant().truncatedTo(ChronoUnit.SECONDS)::minus);
        if (keptFrom.isPresent() && from.isBefore(keptFrom.get())) {
            throw ApiException.of(422, "past_retention", size.wireName + " buckets before " + keptFrom.get()
                            + " are no longer kept; ask for a later range or a coarser granularity",
                    List.of(granularityName + "=" + size.wireName + " is kept " + kept.get().toDays() + " days: from "
                            + keptFrom.get()));
        }
    }
}
