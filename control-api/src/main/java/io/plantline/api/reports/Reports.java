package io.plantline.api.reports;

import io.plantline.api.ApiOptions;
import io.plantline.api.db.Database;
import io.plantline.api.kpis.RetentionHorizon;
import io.plantline.api.http.ApiRoutes;
import java.time.Clock;
import java.util.function.Supplier;

/** Background KPI reports: their routes and the worker that generates them on this server. */
public final class Reports implements AutoCloseable {

    private final ReportRoutes routes;
    private final ReportWorker worker;

    /**
     * @param tokenSecret signs the download links
     * @param apiBase     the API's public address ({@code http://host:port/api/v1}), for the links
     * @param horizon     what the KPI tables still hold: a report of buckets no longer kept is refused
     */
    public Reports(Database database, ApiOptions.Reports options, byte[] tokenSecret, Supplier<String> apiBase,
                   RetentionHorizon horizon, Clock clock) {
        ReportStore store = new ReportStore(database, options.lease());
        ReportLinks links = new ReportLinks(tokenSecret, options.linkLifetime(), clock, apiBase);
        this.routes = new ReportRoutes(database, store, links, options.perOrganisation(), options.retention(),
                horizon, clock);
        this.worker = new ReportWorker(database, store, links, clock, options);
    }

    public void register(ApiRoutes apiRoutes) {
        routes.register(apiRoutes);
    }

    public void start() {
        worker.start();
    }

    @Override
    public void close() throws InterruptedException {
        worker.close();
    }
}
