package io.plantline.api.alerts;

import io.plantline.api.ApiKafka;
import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Role;
import io.plantline.model.AlertEvent;
import io.plantline.model.AlertStatus;
import io.plantline.model.AlertTransition;
import io.plantline.model.DeviceRef;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code /alerts}: list and filter; one alert with every comment given it; operators acknowledge (an open alert) and
 * resolve (any alert not yet resolved), each with a comment kept with their name and the time. Each change is also
 * published on {@code factory.alerts} for live push.
 */
public final class AlertRoutes {

    private static final Pattern STATUSES = Pattern.compile("(ACTIVE|ACKNOWLEDGED|CLEARED|RESOLVED)(,(ACTIVE|ACKNOWLEDGED|CLEARED|RESOLVED))*");
    private static final Pattern SEVERITY = Pattern.compile("INFO|WARNING|MAJOR|CRITICAL");

    private final Database database;
    private final AlertStore alerts;
    private final ApiKafka kafka;
    private final Clock clock;

    public AlertRoutes(Database database, AlertStore alerts, ApiKafka kafka, Clock clock) {
        this.database = database;
        this.alerts = alerts;
        this.kafka = kafka;
        this.clock = clock;
    }

    public void register(ApiRoutes routes) {
        routes.get("/alerts", Role.VIEWER, this::list);
        routes.get("/alerts/:alertId", Role.VIEWER, call -> alerts.find(call.org(), call.uuidPath("alertId", "alert"))
                .orElseThrow(() -> ApiException.notFound("alert")));
        routes.post("/alerts/:alertId/acknowledge", Role.OPERATOR, call -> change(call, AlertTransition.ACKNOWLEDGED));
        routes.post("/alerts/:alertId/resolve", Role.OPERATOR, call -> change(call, AlertTransition.RESOLVED));
    }

    private Object list(Call call) {
        List<String> problems = new ArrayList<>();
        Call.PageRequest page = call.pageRequest(problems);
        AlertStore.Filter filter = new AlertStore.Filter(
                call.query("status", STATUSES, problems).map(text -> Arrays.asList(text.split(","))).orElse(List.of()),
                call.query("severity", SEVERITY, problems), call.query("deviceId"), call.query("groupId"),
                call.queryInstant("from", problems), call.queryInstant("to", problems));
        ApiException.throwIfAny(problems);
        return page.of(alerts.list(call.org(), filter, page.offset(), page.pageSize()), alerts.count(call.org(), filter));
    }

    private Object change(Call call, AlertTransition transition) {
        UUID id = call.uuidPath("alertId", "alert");
        // The console's dialog sends an empty comment when none is typed: it adds none.
        Optional<String> comment = (call.rawBody().length == 0 ? Optional.<String>empty() : commentOf(call))
                .filter(text -> !text.isBlank());
        String by = call.principal().email();
        call.audit("alert/" + id);
        return database.transaction(tx -> {
            Alert alert = alerts.lock(tx, call.org(), id).orElseThrow(() -> ApiException.notFound("alert"));
            Alert changed;
            if (transition == AlertTransition.ACKNOWLEDGED) {
                if (!alert.status().isOpen() || alert.status() == AlertStatus.ACKNOWLEDGED) {
                    throw ApiException.businessRule("only an ACTIVE alert can be acknowledged; this one is " + alert.status());
                }
                changed = alerts.acknowledge(tx, call.org(), id, by, comment.orElse(null));
            } else {
                if (alert.status() == AlertStatus.RESOLVED) {
                    throw ApiException.businessRule("the alert is already resolved");
                }
                changed = alerts.resolve(tx, call.org(), id, by, comment.orElse(null));
            }
            kafka.publish(new AlertEvent(id.toString(), new DeviceRef(call.org(), changed.deviceId()), changed.ruleId(),
                    changed.metric(), changed.severity(), changed.status(), transition, clock.instant(), changed.openedAt(),
                    Optional.ofNullable(changed.lastValue()), Optional.ofNullable(changed.peakValue()), Optional.of(by)));
            return alerts.withComments(tx, changed);
        });
    }

    private static Optional<String> commentOf(Call call) {
        Fields fields = new Fields(call.body(), "comment");
        Optional<String> comment = fields.text("comment", 2000);
        fields.check();
        return comment;
    }
}
