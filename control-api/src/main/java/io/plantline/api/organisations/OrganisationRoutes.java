package io.plantline.api.organisations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.auth.PasswordHasher;
import io.plantline.api.auth.User;
import io.plantline.api.auth.UserRoutes;
import io.plantline.api.auth.UserStore;
import io.plantline.api.db.Database;
import io.plantline.api.devices.DeviceSettingsWriter;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Json;
import io.plantline.api.http.Reply;
import io.plantline.api.http.Role;
import io.plantline.model.DeviceRef;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/**
 * {@code /organisation}: the caller's own organisation; its time zone cuts the days of the daily OEE roll-up.
 * {@code /organisations}: every organisation, listed and created (with its first admin) by the platform
 * organisation's admins.
 */
public final class OrganisationRoutes {

    public record Organisation(String slug, String name, String timeZone, Instant createdAt) {
    }

    /** A new organisation with the admin who can log in to it. */
    public record Created(Organisation organisation, User admin) {
    }

    private static final String COLUMNS = "slug, name, time_zone, created_at";

    private final Database database;
    private final UserStore users;
    private final PasswordHasher hasher;
    private final PlatformOrganisation platform;
    private final DeviceSettingsWriter settings;

    public OrganisationRoutes(Database database, UserStore users, PasswordHasher hasher, PlatformOrganisation platform,
                              DeviceSettingsWriter settings) {
        this.database = database;
        this.users = users;
        this.hasher = hasher;
        this.platform = platform;
        this.settings = settings;
    }

    public void register(ApiRoutes routes) {
        routes.get("/organisation", Role.VIEWER, call -> find(call.org()));
        routes.patch("/organisation", Role.ADMIN, this::update);
        routes.get("/organisations", Role.ADMIN, this::list);
        routes.post("/organisations", Role.ADMIN, this::create);
    }

    private Organisation find(String slug) {
        return database.one("SELECT " + COLUMNS + " FROM organisations WHERE slug = ?", OrganisationRoutes::organisation, slug)
                .orElseThrow(() -> ApiException.notFound("organisation"));
    }

    private Object list(Call call) {
        platform.require(call);
        Call.PageRequest page = call.page();
        return page.of(database.list("SELECT " + COLUMNS + " FROM organisations ORDER BY slug OFFSET ? LIMIT ?",
                        OrganisationRoutes::organisation, page.offset(), page.pageSize()),
                database.one("SELECT count(*) FROM organisations", row -> row.getLong(1)).orElse(0L));
    }

    /** {@code {slug, name, timeZone?, admin: {email, password, displayName?}}}: 409 when the slug is taken. */
    private Object create(Call call) {
        platform.require(call);
        Fields fields = new Fields(call.body(), "slug", "name", "timeZone", "admin");
        String slug = fields.required("slug", fields.matching("slug", DeviceRef.ORG_SLUG));
        String name = fields.required("name", fields.text("name", 200));
        if (name != null && name.isBlank()) {
            fields.problem("name must not be blank");
        }
        String timeZone = timeZone(fields).orElse("UTC");
        ObjectNode admin = fields.required("admin", fields.object("admin", 3));
        Fields adminFields = new Fields(admin == null ? Json.MAPPER.createObjectNode() : admin, "email", "password", "displayName");
        String email = adminFields.required("email", adminFields.matching("email", UserRoutes.EMAIL));
        String password = adminFields.required("password", adminFields.text("password", 1000));
        String displayName = adminFields.text("displayName", 200).orElse("Administrator");
        Optional.ofNullable(password).map(PasswordHasher::problem).ifPresent(adminFields::problem);
        adminFields.problems().forEach(problem -> fields.problem("admin." + problem));
        fields.check();
        call.audit("organisation/" + slug);
        String passwordHash = hasher.hash(password);
        User created = database.transaction(tx -> {
            tx.update("INSERT INTO organisations (slug, name, time_zone) VALUES (?, ?, ?)", slug, name, timeZone);
            return users.create(tx, slug, email, displayName, Role.ADMIN, passwordHash);
        });
        return Reply.created(new Created(find(slug), created));
    }

    private Object update(Call call) {
        Fields fields = new Fields(call.body(), "name", "timeZone");
        Optional<String> name = fields.text("name", 200).filter(text -> !text.isBlank());
        Optional<String> timeZone = timeZone(fields);
        fields.check();
        call.audit("organisation/" + call.org());
        // Daily roll-ups already written keep the days they were cut with; say so rather than rewrite history.
        database.transaction(tx -> {
            tx.update("UPDATE organisations SET name = coalesce(?, name), time_zone = coalesce(?, time_zone) WHERE slug = ?",
                    name.orElse(null), timeZone.orElse(null), call.org());
            if (timeZone.isPresent()) {
                // Shift calendars are read in the organisation's zone: the OEE job gets them with the new one.
                settings.republishAll(tx, call.org());
            }
            return null;
        });
        return find(call.org());
    }

    private static Optional<String> timeZone(Fields fields) {
        Optional<String> timeZone = fields.text("timeZone", 64);
        timeZone.ifPresent(zone -> {
            try {
                ZoneId.of(zone);
            } catch (DateTimeException e) {
                fields.problem("timeZone must be an IANA zone name such as Europe/Berlin");
            }
        });
        return timeZone;
    }

    private static Organisation organisation(ResultSet row) throws SQLException {
        return new Organisation(row.getString("slug"), row.getString("name"), row.getString("time_zone"),
                row.getTimestamp("created_at").toInstant());
    }
}
