package io.plantline.api.organisations;

import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Role;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/** {@code /organisation}: the caller's own organisation; its time zone cuts the days of the daily OEE roll-up. */
public final class OrganisationRoutes {

    public record Organisation(String slug, String name, String timeZone, Instant createdAt) {
    }

    private final Database database;

    public OrganisationRoutes(Database database) {
        this.database = database;
    }

    public void register(ApiRoutes routes) {
        routes.get("/organisation", Role.VIEWER, call -> find(call.org()));
        routes.patch("/organisation", Role.ADMIN, this::update);
    }

    private Organisation find(String slug) {
        return database.one("SELECT slug, name, time_zone, created_at FROM organisations WHERE slug = ?",
                row -> new Organisation(row.getString("slug"), row.getString("name"), row.getString("time_zone"),
                        row.getTimestamp("created_at").toInstant()), slug)
                .orElseThrow(() -> ApiException.notFound("organisation"));
    }

    private Object update(Call call) {
        Fields fields = new Fields(call.body(), "name", "timeZone");
        Optional<String> name = fields.text("name", 200).filter(text -> !text.isBlank());
        Optional<String> timeZone = fields.text("timeZone", 64);
        timeZone.ifPresent(zone -> {
            try {
                ZoneId.of(zone);
            } catch (DateTimeException e) {
                fields.problem("timeZone must be an IANA zone name such as Europe/Berlin");
            }
        });
        fields.check();
        call.audit("organisation/" + call.org());
        // Daily roll-ups already written keep the days they were cut with; say so rather than rewrite history.
        database.update("UPDATE organisations SET name = coalesce(?, name), time_zone = coalesce(?, time_zone) WHERE slug = ?",
                name.orElse(null), timeZone.orElse(null), call.org());
        return find(call.org());
    }
}
