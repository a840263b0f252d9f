package io.plantline.api.stops;

import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Role;
import io.plantline.api.kpis.Granularity;
import io.plantline.api.kpis.KpiQueries;
import io.plantline.api.kpis.Scopes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /analytics/losses}: where the planned time of a machine, a group or the organisation went over a range of
 * whole minutes ({@link Losses}). It sums minutes and their stop time, so its range is bounded: a month of minutes.
 */
public final class LossRoutes {

    static final Duration MAX_RANGE = Duration.ofDays(31);

    private final LossStore store;
    private final Scopes scopes;

    public LossRoutes(Database database) {
        this.store = new LossStore(database);
        this.scopes = new Scopes(database);
    }

    public void register(ApiRoutes routes) {
        routes.get("/analytics/losses", Role.VIEWER, this::losses);
    }

    private Object losses(Call call) {
        List<String> problems = new ArrayList<>();
        KpiQueries.Scope scope = Scopes.read(call, problems);
        Instant from = call.requiredInstant("from", problems);
        Instant to = call.requiredInstant("to", problems);
        ApiException.throwIfAny(problems);
        if (!from.isBefore(to) || Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
            problems.add("from must be before to, at most " + MAX_RANGE.toDays() + " days apart");
        }
        if (!Granularity.MINUTE.isBoundary(from, null) || !Granularity.MINUTE.isBoundary(to, null)) {
            problems.add("from and to must be whole minutes (UTC)");
        }
        ApiException.throwIfAny(problems);
        scopes.requireExisting(scope);
        return store.losses(scope, from, to);
    }
}
