package io.plantline.api.stops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Role;
import io.plantline.model.Limits;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code /stop-reasons}: the organisation's catalogue of the reasons its machines give for a stop (a state's
 * {@code reason}), each in one category of the six big losses, and how short a stop counts as a minor stop. Admins
 * replace the whole catalogue at once, every problem answered at once; everyone reads it.
 */
public final class StopReasonRoutes {

    /** The categories of the contract, in the order the answer lists them. */
    public static final List<String> CATEGORIES = List.of("breakdown", "setup", "material", "operator", "quality", "other");
    static final int MAX_REASONS = 500;
    /** At most the jobs' default allowed lateness: a stop is classified while its minutes may still change. */
    static final int MAX_MINOR_STOP_SECONDS = 120;

    /** One reason of the catalogue. */
    public record StopReason(String code, String name, String category) {
    }

    /** The whole catalogue. */
    public record Catalogue(int minorStopSeconds, List<StopReason> reasons) {
    }

    private final Database database;

    public StopReasonRoutes(Database database) {
        this.database = database;
    }

    public void register(ApiRoutes routes) {
        routes.get("/stop-reasons", Role.VIEWER, call -> database.transaction(tx -> catalogue(tx, call.org())));
        routes.put("/stop-reasons", Role.ADMIN, this::replace);
    }

    private Object replace(Call call) {
        Fields fields = new Fields(call.body(), "minorStopSeconds", "reasons");
        int minorStopSeconds = fields.integer("minorStopSeconds", 1, MAX_MINOR_STOP_SECONDS).orElse(120);
        List<StopReason> reasons = reasons(fields.required("reasons", fields.node("reasons")), fields);
        fields.check();
        call.audit("stop-reasons");
        return database.transaction(tx -> write(tx, call.org(), new Catalogue(minorStopSeconds, reasons)));
    }

    /**
     * Gives the organisation {@code catalogue} if its catalogue is empty, as an admin's {@code PUT} would; one it has is
     * kept. For a start-up that seeds an organisation; answers whether it wrote.
     */
    public boolean writeIfEmpty(String orgSlug, Catalogue catalogue) {
        return database.transaction(tx -> {
            if (tx.one("SELECT 1 FROM stop_reasons WHERE org_slug = ? LIMIT 1", row -> true, orgSlug).isPresent()) {
                return false;
            }
            write(tx, orgSlug, catalogue);
            return true;
        });
    }

    private static Catalogue write(Database.Tx tx, String orgSlug, Catalogue catalogue) throws SQLException {
        tx.update("UPDATE organisations SET minor_stop_seconds = ? WHERE slug = ?", catalogue.minorStopSeconds(), orgSlug);
        tx.update("DELETE FROM stop_reasons WHERE org_slug = ?", orgSlug);
        for (StopReason reason : catalogue.reasons()) {
            tx.update("INSERT INTO stop_reasons (org_slug, code, name, category) VALUES (?, ?, ?, ?)",
                    orgSlug, reason.code(), reason.name(), reason.category());
        }
        return catalogue(tx, orgSlug);
    }

    /** Reads the list; each problem goes to {@code fields}, named by the reason's position. */
    private static List<StopReason> reasons(JsonNode list, Fields fields) {
        List<StopReason> reasons = new ArrayList<>();
        if (list == null) {
            return reasons;
        }
        if (!list.isArray() || list.size() > MAX_REASONS) {
            fields.problem("reasons must be a list of at most " + MAX_REASONS + " reasons");
            return reasons;
        }
        Set<String> codes = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            if (!list.get(i).isObject()) {
                fields.problem("reasons[" + i + "] must be an object");
                continue;
            }
            Fields reason = new Fields((ObjectNode) list.get(i), "code", "name", "category");
            String code = reason.required("code", reason.matching("code", Limits.REASON_CODE));
            String name = reason.text("name", 200).filter(text -> !text.isBlank()).orElse(null);
            if (name == null) {
                reason.problem("name is required, at most 200 characters");
            }
            String category = reason.required("category", reason.oneOf("category", Set.copyOf(CATEGORIES)));
            if (code != null && !codes.add(code)) {
                reason.problem("code " + code + " appears more than once");
            }
            String at = "reasons[" + i + "]: ";
            reason.problems().forEach(problem -> fields.problem(at + problem));
            if (reason.problems().isEmpty()) {
                reasons.add(new StopReason(code, name, category));
            }
        }
        return reasons;
    }

    private static Catalogue catalogue(Database.Tx tx, String orgSlug) throws SQLException {
        int minorStopSeconds = tx.one("SELECT minor_stop_seconds FROM organisations WHERE slug = ?",
                row -> row.getInt(1), orgSlug).orElse(120);
        List<StopReason> reasons = tx.list("SELECT code, name, category FROM stop_reasons WHERE org_slug = ?"
                        + " ORDER BY array_position(?::text[], category), code",
                row -> new StopReason(row.getString(1), row.getString(2), row.getString(3)), orgSlug,
                CATEGORIES.toArray(String[]::new));
        return new Catalogue(minorStopSeconds, reasons);
    }
}
