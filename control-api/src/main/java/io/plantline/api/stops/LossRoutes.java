package io.plantline.api.stops;

import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Role;
import io.plantline.api.kpis.Granularity;
import io.plantline.api.kpis.KpiQueries;
import io.plantline.api.kpis.KpiRoutes;
import io.plantline.api.kpis.MinuteRanges;
import io.plantline.api.kpis.RetentionHorizon;
import io.plantline.api.kpis.Scopes;
import io.plantline.api.shifts.ShiftInstances;
import io.plantline.model.shifts.ShiftInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code /analytics/losses}: where the planned time of a machine, a group or the organisation went over a range of
 * whole minutes ({@link Losses}); with {@code granularity=shift}, per shift instance that started in it
 * ({@link ShiftLosses}). It sums minutes and their stop time, so its range is bounded: a month of minutes, none of
 * them past the minutes' retention.
 */
public final class LossRoutes {

    private static final Pattern PER_SHIFT = Pattern.compile(KpiRoutes.SHIFT);

    private final LossStore store;
    private final Scopes scopes;
    private final ShiftInstances shifts;
    private final ShiftLosses shiftLosses;

    private final RetentionHorizon horizon;

    public LossRoutes(Database database, RetentionHorizon horizon) {
        this.horizon = horizon;
        this.store = new LossStore(database);
        this.scopes = new Scopes(database);
        this.shifts = new ShiftInstances(database);
        this.shiftLosses = new ShiftLosses(database);
    }

    public void register(ApiRoutes routes) {
        routes.get("/analytics/losses", Role.VIEWER, this::losses);
    }

    private Object losses(Call call) {
        List<String> problems = new ArrayList<>();
        KpiQueries.Scope scope = Scopes.read(call, problems);
        Optional<String> perShift = call.query("granularity", PER_SHIFT, problems);
        MinuteRanges.Range range = MinuteRanges.read(call, problems);
        horizon.requireKept("from", Granularity.MINUTE, range.from());   // summed from minutes at any granularity
        scopes.requireExisting(scope);
        if (perShift.isEmpty()) {
            return store.losses(scope, range.from(), range.to());
        }
        List<ShiftInstance> started = shifts.startingIn(scope.orgSlug(), scope.deviceId(), scope.groupId(),
                range.from(), range.to());
        return KpiRoutes.perShiftAnswer(scope, range, shiftLosses.of(scope, started),
                shiftLosses.total(scope, range.from(), range.to(), started));
    }
}
