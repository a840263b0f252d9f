package io.plantline.api.organisations;

import io.plantline.api.db.Database;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.Optional;

/** An organisation's time zone, which cuts its days: daily OEE, report ranges, quiet hours. Empty for no such organisation. */
public final class OrganisationZones {

    private static final String ZONE = "SELECT time_zone FROM organisations WHERE slug = ?";

    private OrganisationZones() {
    }

    public static Optional<ZoneId> of(Database.Tx tx, String orgSlug) throws SQLException {
        return tx.one(ZONE, row -> ZoneId.of(row.getString(1)), orgSlug);
    }

    public static Optional<ZoneId> of(Database database, String orgSlug) {
        return database.one(ZONE, row -> ZoneId.of(row.getString(1)), orgSlug);
    }
}
