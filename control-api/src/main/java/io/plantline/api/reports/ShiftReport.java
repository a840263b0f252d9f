package io.plantline.api.reports;

import io.plantline.api.db.Database;
import io.plantline.api.kpis.KpiQueries;
import io.plantline.api.kpis.OeeFigures;
import io.plantline.api.kpis.ShiftOee;
import io.plantline.api.shifts.ShiftInstances;
import io.plantline.api.stops.Losses;
import io.plantline.api.stops.ShiftLosses;
import io.plantline.model.shifts.ShiftInstance;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines of a shift report: one per shift instance that started in the range, its OEE as
 * {@code /analytics/oee?granularity=shift} answers it and its losses as {@code /analytics/losses?granularity=shift}
 * does, with the {@value #TOP_REASONS} stop reasons that lost it the most time (a reason code, or
 * {@code unclassified} for stops without one).
 */
final class ShiftReport {

    static final int TOP_REASONS = 3;
    static final List<String> HEADER = header();

    private final ShiftInstances shifts;
    private final ShiftOee oee;
    private final ShiftLosses losses;

    ShiftReport(Database database) {
        this.shifts = new ShiftInstances(database);
        this.oee = new ShiftOee(database);
        this.losses = new ShiftLosses(database);
    }

    private static List<String> header() {
        List<String> header = new ArrayList<>(List.of("shift", "date", "start", "end", "time_zone", "planned_ms", "run_ms",
                "total_count", "good_count", "availability", "performance", "quality", "oee", "stop_loss_ms",
                "speed_loss_ms", "quality_loss_ms"));
        for (int rank = 1; rank <= TOP_REASONS; rank++) {
            header.add("reason_" + rank);
            header.add("reason_" + rank + "_lost_ms");
        }
        return List.copyOf(header);
    }

    /** The values of each line, in the order of {@link #HEADER}; absent ones null. */
    List<List<Object>> lines(ReportRequest request, String zone) {
        KpiQueries.Scope scope = request.kpiScope();
        List<ShiftInstance> started = shifts.startingIn(scope.orgSlug(), scope.deviceId(), scope.groupId(),
                request.from(), request.to());
        List<ShiftOee.Row> oeeRows = oee.of(scope, started).rows();
        List<ShiftLosses.Row> lossRows = losses.of(scope, started);
        List<List<Object>> lines = new ArrayList<>();
        for (int i = 0; i < started.size(); i++) {
            ShiftInstances.Label label = oeeRows.get(i).label();
            OeeFigures figures = oeeRows.get(i).figures();
            Losses lost = lossRows.get(i).losses();
            List<Object> line = new ArrayList<>(List.of(label.shift(), label.date(), label.start(), label.end(), zone,
                    figures.plannedMs(), figures.runMs(), figures.totalCount(), figures.goodCount()));
            line.add(figures.availability());
            line.add(figures.performance());
            line.add(figures.quality());
            line.add(figures.oee());
            line.add(lost.stopLossTotalMs());
            line.add(lost.speedLossMs());
            line.add(lost.qualityLossMs());
            for (int rank = 0; rank < TOP_REASONS; rank++) {
                Losses.ReasonLoss reason = rank < lost.pareto().size() ? lost.pareto().get(rank) : null;
                line.add(reason == null ? null : reason.reasonCode() == null ? "unclassified" : reason.reasonCode());
                line.add(reason == null ? null : reason.lostMs());
            }
            lines.add(line);
        }
        return lines;
    }
}
