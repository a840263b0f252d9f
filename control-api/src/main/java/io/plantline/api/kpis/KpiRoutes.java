package io.plantline.api.kpis;

import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Role;
import io.plantline.api.shifts.ShiftInstances;
import io.plantline.model.DeviceRef;
import io.plantline.model.Limits;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * KPI queries over the tables the jobs write: {@code /telemetry} (one device's metric at 1m, 1h or 1d),
 * {@code /analytics/oee} (a device, a group or the organisation: a series at the chosen granularity and the range's
 * total, both from summed components, and the range's MTBF and MTTR; with {@code per=device} also each machine's;
 * with {@code granularity=shift} one row per shift instance, see {@link ShiftOee}) and {@code /anomalies}. Ranges
 * are {@code [from, to)}. A range that starts before its granularity's retention horizon (minutes are kept 90 days
 * by default, {@link RetentionHorizon}) is refused with 422 {@code past_retention} rather than answered with the empty
 * or partial series the dropped partitions would leave.
 */
public final class KpiRoutes {

    /** A series longer than this asks for a coarser granularity instead of a huge answer. */
    static final int MAX_BUCKETS = 10_000;
    private static final Duration MAX_ANOMALY_RANGE = Duration.ofDays(366);
    private static final Pattern PER_DEVICE = Pattern.compile("device");
    /** The granularity of rows per shift instance, answered from minutes rather than from a table of its own. */
    public static final String SHIFT = "shift";

    private final KpiStore store;
    private final Scopes scopes;
    private final ShiftInstances shifts;
    private final ShiftOee shiftOee;
    private final RetentionHorizon horizon;

    public KpiRoutes(Database database, RetentionHorizon horizon) {
        this.store = new KpiStore(database);
        this.scopes = new Scopes(database);
        this.shifts = new ShiftInstances(database);
        this.shiftOee = new ShiftOee(database);
        this.horizon = horizon;
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
        Range range = range(call, "resolution", "1m, 1h or 1d", problems);
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
        if (call.query("granularity").filter(SHIFT::equals).isPresent()) {
            return perShift(call, scope, per, problems);
        }
        Range range = range(call, "granularity", "1m, 1h, 1d or " + SHIFT, problems);
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

    private Object perShift(Call call, KpiQueries.Scope scope, Optional<String> per, List<String> problems) {
        if (per.isPresent()) {
            problems.add("per=device is not answered with granularity=shift");
        }
        MinuteRanges.Range range = MinuteRanges.read(call, problems);
        horizon.requireKept("granularity", Granularity.MINUTE, range.from());
        scopes.requireExisting(scope);
        ShiftOee.Answer shiftRows = shiftOee.of(scope, shifts.startingIn(scope.orgSlug(), scope.deviceId(), scope.groupId(),
                range.from(), range.to()));
        Map<String, Object> answer = perShiftAnswer(scope, range, shiftRows.rows(), shiftRows.total());
        answer.put("reliability", shiftRows.reliability());
        return answer;
    }

    /** How answers per shift begin: the scope, {@code granularity=shift}, the range, a row per shift and the total. */
    public static Map<String, Object> perShiftAnswer(KpiQueries.Scope scope, MinuteRanges.Range range, List<?> rows,
                                                     Object total) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("scope", scopeAnswer(scope));
        answer.put("granularity", SHIFT);
        answer.put("from", range.from());
        answer.put("to", range.to());
        answer.put("series", rows);
        answer.put("total", total);
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
    private Range range(Call call, String granularityName, String choices, List<String> problems) {
        Optional<Granularity> granularity = call.query(granularityName).flatMap(Granularity::fromWireName);
        if (granularity.isEmpty()) {
            problems.add(granularityName + " is required: " + choices);
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
        horizon.requireKept(granularityName, size, from);
        return new Range(from, to, size);
    }

}
