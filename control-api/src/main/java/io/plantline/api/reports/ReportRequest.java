package io.plantline.api.reports;

import io.plantline.api.kpis.Granularity;
import io.plantline.api.kpis.KpiQueries;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** What a report is of, as the generator needs it. */
record ReportRequest(UUID reportId, String orgSlug, String type, String scope, String scopeId, Instant from, Instant to,
                     Granularity granularity) {

    KpiQueries.Scope kpiScope() {
        return new KpiQueries.Scope(orgSlug, scope.equals("device") ? Optional.of(scopeId) : Optional.empty(),
                scope.equals("group") ? Optional.of(scopeId) : Optional.empty());
    }
}
