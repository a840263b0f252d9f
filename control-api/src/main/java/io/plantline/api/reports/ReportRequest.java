package io.plantline.api.reports;

import io.plantline.api.kpis.Granularity;
import io.plantline.api.kpis.KpiQueries;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * What a report is of, as the generator needs it, and which start of it this is: only the generator of the latest
 * start ({@code attempt}) may renew its lease, record progress, or finish it. {@code granularity} is null for a shift
 * report, whose rows are shift instances.
 */
record ReportRequest(UUID reportId, String orgSlug, String type, String scope, String scopeId, Instant from, Instant to,
                     Granularity granularity, int attempt) {

    KpiQueries.Scope kpiScope() {
        return new KpiQueries.Scope(orgSlug, scope.equals("device") ? Optional.of(scopeId) : Optional.empty(),
                scope.equals("group") ? Optional.of(scopeId) : Optional.empty());
    }
}
