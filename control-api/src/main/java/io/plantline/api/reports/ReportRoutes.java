package io.plantline.api.reports;

import io.plantline.api.auth.SignedLinks;
import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Reply;
import io.plantline.api.http.Role;
import io.plantline.api.kpis.Granularity;
import io.plantline.api.kpis.KpiRoutes;
import io.plantline.api.kpis.MinuteRanges;
import io.plantline.api.kpis.RetentionHorizon;
import io.plantline.api.organisations.OrganisationZones;
import io.plantline.api.shifts.ShiftInstances;
import io.plantline.model.DeviceRef;
import io.plantline.model.Limits;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code /reports}: KPI reports generated in the background. {@code POST} answers 202 with the report at once; its
 * status and progress are at {@code GET /reports/{id}}, the file at {@code /reports/{id}/download} (or through the
 * signed link of the ready mail). At most {@code perOrganisation} queued or running per organisation (429 beyond);
 * the range must cover whole buckets and is limited per granularity ({@link #MAX_RANGE}). A shift report
 * ({@code type=shifts}, granularity {@code shift}) covers whole minutes, at most a month, and needs a shift calendar.
 */
final class ReportRoutes {

    /** The longest range per granularity: a month of minutes, a year of hours, ten years of days. */
    static final Map<Granularity, Duration> MAX_RANGE = Map.of(Granularity.MINUTE, Duration.ofDays(31),
            Granularity.HOUR, Duration.ofDays(366), Granularity.DAY, Duration.ofDays(3660));
    private static final long RETRY_AFTER_SECONDS = 30;

    private final Database database;
    private final ShiftInstances shifts;
    private final ReportStore store;
    private final ReportLinks links;
    private final int perOrganisation;
    private final Duration retention;
    private final RetentionHorizon horizon;
    private final Clock clock;

    ReportRoutes(Database database, ReportStore store, ReportLinks links, int perOrganisation, Duration retention,
                 RetentionHorizon horizon, Clock clock) {
        this.database = database;
        this.shifts = new ShiftInstances(database);
        this.store = store;
        this.links = links;
        this.perOrganisation = perOrganisation;
        this.retention = retention;
        this.horizon = horizon;
        this.clock = clock;
    }

    void register(ApiRoutes routes) {
        routes.post("/reports", Role.VIEWER, this::request);
        routes.get("/reports", Role.VIEWER, call -> {
            Call.PageRequest page = call.page();
            return page.of(store.list(call.org(), page.offset(), page.pageSize()), store.count(call.org()));
        });
        routes.get("/reports/:reportId", Role.VIEWER, call -> store.find(call.org(), call.uuidPath("reportId", "report"))
                .orElseThrow(() -> ApiException.notFound("report")));
        routes.get("/reports/:reportId/download", Role.VIEWER, call -> download(call.org(), call.uuidPath("reportId", "report")));
        routes.open("GET", ReportLinks.PATH, 0, call -> {
            SignedLinks.Grant grant = links.verify(call.query("token"));
            return download(grant.orgSlug(), grant.subject());
        });
    }

    private Object request(Call call) {
        Fields fields = new Fields(call.body(), "type", "scope", "deviceId", "groupId", "from", "to", "granularity",
                "format");
        String type = fields.required("type", fields.oneOf("type", Set.of("oee", "alerts", "telemetry", "shifts")));
        boolean perShift = "shifts".equals(type);
        String scope = fields.required("scope", fields.oneOf("scope", Set.of("device", "group", "organisation")));
        Optional<String> deviceId = fields.matching("deviceId", DeviceRef.DEVICE_ID);
        Optional<String> groupId = fields.matching("groupId", Limits.IDENTIFIER);
        Instant from = fields.required("from", fields.instant("from"));
        Instant to = fields.required("to", fields.instant("to"));
        fields.oneOf("format", Set.of("csv"));
        Optional<Granularity> granularity = fields.oneOf("granularity", perShift ? Set.of(KpiRoutes.SHIFT)
                : Set.of("1m", "1h", "1d")).flatMap(Granularity::fromWireName);
        if (granularity.isEmpty() && !"alerts".equals(type) && !perShift) {
            fields.problem("granularity is required for " + type + " reports: 1m, 1h or 1d");
        }
        String scopeId = scopeId(call.org(), scope, deviceId, groupId, fields);
        Granularity size = granularity.orElse(Granularity.DAY);
        if (from != null && to != null && perShift) {
            List<String> problems = new ArrayList<>();
            MinuteRanges.check(from, to, problems);
            problems.forEach(fields::problem);
        } else if (from != null && to != null) {
            checkRange(fields, from, to, size, OrganisationZones.of(database, call.org()).orElse(ZoneId.of("UTC")));
        }
        fields.check();
        if (!"alerts".equals(type)) {     // alerts are kept whole; the rest reads the tables of its granularity
            horizon.requireKept("granularity", perShift ? Granularity.MINUTE : size, from);
        }
        if (perShift) {
            // Refused now rather than failed later: without a calendar the report would have no shifts.
            shifts.startingIn(call.org(), Optional.ofNullable(scope.equals("device") ? scopeId : null),
                    Optional.ofNullable(scope.equals("group") ? scopeId : null), from, to);
        }
        Instant now = clock.instant();
        Report report = new Report(UUID.randomUUID(), type, scope, scopeId, from, to,
                perShift ? KpiRoutes.SHIFT : size.wireName, "csv", "queued", 0,
                0, 0, null, call.principal().email(), now, null, null, now.plus(retention), 0);
        call.audit("report/" + report.reportId());
        if (!store.queue(call.org(), call.principal().userId(), call.principal().email(), report, perOrganisation)) {
            throw ApiException.rateLimited("the organisation has " + perOrganisation + " reports queued or running;"
                    + " request more once one is ready", RETRY_AFTER_SECONDS);
        }
        return new Reply.Data(202, report);
    }

    /** The device's or group's id; checked to exist in the organisation, so a report never names another's. */
    private String scopeId(String orgSlug, String scope, Optional<String> deviceId, Optional<String> groupId,
                           Fields fields) {
        if (scope == null) {
            return null;
        }
        Optional<String> named = scope.equals("device") ? deviceId : scope.equals("group") ? groupId : Optional.empty();
        if (scope.equals("organisation") ? deviceId.isPresent() || groupId.isPresent()
                : named.isEmpty() || (scope.equals("device") ? groupId : deviceId).isPresent()) {
            fields.problem("scope " + scope + " takes " + switch (scope) {
                case "device" -> "deviceId";
                case "group" -> "groupId";
                default -> "neither deviceId nor groupId";
            });
            return null;
        }
        if (named.isPresent()) {
            String table = scope.equals("device") ? "devices WHERE org_slug = ? AND device_id = ?"
                    : "device_groups WHERE org_slug = ? AND group_id = ?";
            if (database.one("SELECT 1 FROM " + table, row -> 1, orgSlug, named.get()).isEmpty()) {
                fields.problem(scope + " " + named.get() + " is not one of this organisation's");
            }
        }
        return named.orElse(null);
    }

    private static void checkRange(Fields fields, Instant from, Instant to, Granularity size, ZoneId zone) {
        if (!from.isBefore(to)) {
            fields.problem("from must be before to");
            return;
        }
        Duration limit = MAX_RANGE.get(size);
        if (Duration.between(from, to).compareTo(limit) > 0) {
            fields.problem("the range may be at most " + limit.toDays() + " days with granularity " + size.wireName);
        }
        if (!size.isBoundary(from, zone) || !size.isBoundary(to, zone)) {
            fields.problem("from and to must start " + size.wireName + " buckets"
                    + (size == Granularity.DAY ? " (midnight in the organisation's time zone " + zone + ")" : " (UTC)"));
        }
    }

    private Object download(String orgSlug, UUID reportId) {
        ReportStore.File file = store.file(orgSlug, reportId).orElseThrow(() -> store.find(orgSlug, reportId).isPresent()
                ? ApiException.conflict("the report is not ready; see its status")
                : ApiException.notFound("report"));
        return new Reply.Stream("text/csv; charset=utf-8", file.sizeBytes(), Map.of("Content-Disposition",
                "attachment; filename=\"report-" + reportId + ".csv\""), out -> {
            for (int seq = 0; seq < file.chunks(); seq++) {
                out.write(store.chunk(reportId, seq));
            }
        });
    }
}
