package io.plantline.api.auth;

import io.plantline.api.db.Database;
import io.plantline.api.http.Role;
import java.util.Optional;

/** Creates an organisation and its first admin when they are missing, so a fresh installation can be logged into. */
public final class FirstAdmin {

    private FirstAdmin() {
    }

    /** @return the admin created now, or empty when the organisation already had a user with that e-mail */
    public static Optional<User> ensure(Database database, PasswordHasher hasher, String orgSlug, String email,
                                        String password) {
        String problem = PasswordHasher.problem(password);
        if (problem != null) {
            throw new IllegalArgumentException("the first admin's " + problem);
        }
        database.update("INSERT INTO organisations (slug, name) VALUES (?, ?) ON CONFLICT (slug) DO NOTHING", orgSlug, orgSlug);
        UserStore users = new UserStore(database);
        if (users.exists(orgSlug, email)) {
            return Optional.empty();
        }
        return Optional.of(users.create(orgSlug, email, "Administrator", Role.ADMIN, hasher.hash(password)));
    }
}
