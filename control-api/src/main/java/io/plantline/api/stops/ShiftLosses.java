package io.plantline.api.stops;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.plantline.api.db.Database;
import io.plantline.api.kpis.KpiQueries;
import io.plantline.api.kpis.Spans;
import io.plantline.api.shifts.ShiftInstances;
import io.plantline.model.shifts.ShiftInstance;
import java.time.Instant;
import java.util.List;

/**
 * Losses per shift instance ({@code granularity=shift}): each shift's scheduled minutes and the stops that began in
 * them, as a range's losses are summed, so the contract's identity holds per shift; the total over all the shifts'
 * scheduled minutes.
 */
public final class ShiftLosses {

    /** A shift's losses ({@code from} and {@code to} its start and end), with its name, date and times. */
    public record Row(@JsonUnwrapped ShiftInstances.Label label, @JsonUnwrapped Losses losses) {
    }

    private final LossStore store;

    public ShiftLosses(Database database) {
        this.store = new LossStore(database);
    }

    public List<Row> of(KpiQueries.Scope scope, List<ShiftInstance> shifts) {
        return shifts.stream().map(shift -> new Row(ShiftInstances.Label.of(shift),
                store.losses(scope, shift.start(), shift.end(), shift.scheduled()))).toList();
    }

    /** The losses of all the shifts' scheduled minutes, named by the range they started in. */
    Losses total(KpiQueries.Scope scope, Instant from, Instant to, List<ShiftInstance> shifts) {
        return store.losses(scope, from, to, Spans.scheduled(shifts));
    }
}
