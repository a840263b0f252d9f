package io.plantline.api.http;

import io.plantline.api.db.Database;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records every write attempt (who, what, outcome) in {@code api_audit}, under the request id of the logs. */
public final class AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

    private final Database database;

    public AuditLog(Database database) {
        this.database = database;
    }

    void record(Call call, String method, String path, int status) {
        String org = call.principalIfAny().map(Principal::orgSlug).orElse(null);
        UUID user = call.principalIfAny().map(Principal::userId).orElse(null);
        try {
            database.update("INSERT INTO api_audit (request_id, org_slug, user_id, method, path, status, entity)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    call.requestId(), org, user, method, path, status, call.auditedEntity().orElse(null));
        } catch (RuntimeException e) {
            // The write itself has happened; failing its response now would make the client retry it.
            LOG.error("audit record lost for {} {} (request {})", method, path, call.requestId(), e);
        }
    }
}
