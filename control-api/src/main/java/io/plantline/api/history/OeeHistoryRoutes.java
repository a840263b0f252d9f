package io.plantline.api.history;

import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Role;

/** {@code /analytics/oee/rewrites}: how far the rewrites of stored OEE minutes after a backdated change have got. */
public final class OeeHistoryRoutes {

    private static final int LIMIT = 500;
    private final OeeHistory history;

    public OeeHistoryRoutes(OeeHistory history) {
        this.history = history;
    }

    public void register(ApiRoutes routes) {
        routes.get("/analytics/oee/rewrites", Role.VIEWER, call -> history.rewrites(call.org(), LIMIT));
    }
}
