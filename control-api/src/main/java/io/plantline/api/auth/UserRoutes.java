package io.plantline.api.auth;

import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.RateLimiter;
import io.plantline.api.http.Reply;
import io.plantline.api.http.Role;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code /users}: admins manage the users and roles of their organisation; everyone reads themselves and changes
 * their own password. A new password (changed or reset) and disabling a user revoke every refresh token of that user,
 * so no session outlives its access token; a disabled user's access tokens are refused from the next request on.
 */
public final class UserRoutes {

    public static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,189}");

    private final UserStore users;
    private final PasswordHasher hasher;
    private final AccessTokens accessTokens;
    private final RefreshTokens refreshTokens;
    private final RateLimiter passwordChecks;

    /** {@code passwordChecks} limits guesses of the current password per user, as logins are limited. */
    public UserRoutes(UserStore users, PasswordHasher hasher, AccessTokens accessTokens, RefreshTokens refreshTokens,
                      RateLimiter passwordChecks) {
        this.users = users;
        this.hasher = hasher;
        this.accessTokens = accessTokens;
        this.refreshTokens = refreshTokens;
        this.passwordChecks = passwordChecks;
    }

    public void register(ApiRoutes routes) {
        routes.get("/users/me", Role.VIEWER, this::me);
        routes.post("/users/me/password", Role.VIEWER, this::changeOwnPassword);
        routes.get("/users", Role.ADMIN, this::list);
        routes.post("/users", Role.ADMIN, this::create);
        routes.get("/users/:userId", Role.ADMIN, this::get);
        routes.patch("/users/:userId", Role.ADMIN, this::update);
        routes.delete("/users/:userId", Role.ADMIN, this::delete);
    }

    private Object me(Call call) {
        return users.find(call.org(), call.principal().userId()).orElseThrow(() -> ApiException.notFound("user"));
    }

    private Object list(Call call) {
        Call.PageRequest page = call.page();
        return page.of(users.list(call.org(), page.offset(), page.pageSize()), users.count(call.org()));
    }

    private Object create(Call call) {
        Fields fields = new Fields(call.body(), "email", "password", "role", "displayName");
        String email = fields.required("email", fields.matching("email", EMAIL));
        String password = fields.required("password", fields.text("password", 1000));
        String role = fields.required("role", fields.oneOf("role", Role.NAMES));
        String displayName = fields.text("displayName", 200).orElse("");
        if (password != null && PasswordHasher.problem(password) != null) {
            fields.problem(PasswordHasher.problem(password));
        }
        fields.check();
        User user = users.create(call.org(), email, displayName, Role.fromWireName(role).orElseThrow(), hasher.hash(password));
        call.audit("user/" + user.id());
        return Reply.created(user);
    }

    private Object get(Call call) {
        return users.find(call.org(), call.uuidPath("userId", "user")).orElseThrow(() -> ApiException.notFound("user"));
    }

    private Object update(Call call) {
        UUID id = call.uuidPath("userId", "user");
        Fields fields = new Fields(call.body(), "displayName", "role", "disabled", "password");
        Optional<String> displayName = fields.text("displayName", 200);
        Optional<Role> role = fields.oneOf("role", Role.NAMES).flatMap(Role::fromWireName);
        Optional<Boolean> disabled = fields.bool("disabled");
        Optional<String> password = fields.text("password", 1000);
        password.map(PasswordHasher::problem).ifPresent(fields::problem);
        fields.check();
        if (id.equals(call.principal().userId()) && (role.filter(r -> r != Role.ADMIN).isPresent() || disabled.orElse(false))) {
            throw ApiException.businessRule("admins cannot demote or disable themselves; ask another admin");
        }
        call.audit("user/" + id);
        User user = users.update(call.org(), id, displayName, role, disabled, password.map(hasher::hash))
                .orElseThrow(() -> ApiException.notFound("user"));
        if (password.isPresent() || disabled.orElse(false)) {
            refreshTokens.revokeAll(id);
        }
        accessTokens.forget(id);
        return user;
    }

    /** The caller's own password, against the current one; every refresh token of the caller is revoked, this session's too. */
    private Object changeOwnPassword(Call call) {
        UUID id = call.principal().userId();
        passwordChecks.acquire(id.toString());
        Fields fields = new Fields(call.body(), "currentPassword", "newPassword");
        String current = fields.required("currentPassword", fields.text("currentPassword", 1000));
        String next = fields.required("newPassword", fields.text("newPassword", 1000));
        if (next != null && PasswordHasher.problem(next) != null) {
            fields.problem(PasswordHasher.problem(next));
        }
        fields.check();
        String hash = users.passwordHash(id).orElseThrow(() -> ApiException.notFound("user"));
        call.audit("user/" + id);
        if (!hasher.matches(current, hash)) {
            throw ApiException.validation(List.of("currentPassword is not your current password"));
        }
        users.update(call.org(), id, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(hasher.hash(next)));
        refreshTokens.revokeAll(id);
        accessTokens.forget(id);
        return Reply.noContent();
    }

    private Object delete(Call call) {
        UUID id = call.uuidPath("userId", "user");
        if (id.equals(call.principal().userId())) {
            throw ApiException.businessRule("admins cannot delete themselves; ask another admin");
        }
        call.audit("user/" + id);
        if (!users.delete(call.org(), id)) {
            throw ApiException.notFound("user");
        }
        accessTokens.forget(id);
        return Reply.noContent();
    }
}
