package io.plantline.api.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.RateLimiter;
import io.plantline.api.http.Reply;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code /auth}: login (rate-limited per client address), refresh with rotation, logout. */
public final class AuthRoutes {

    private static final long AUTH_BODY_LIMIT = 4096;

    private final UserStore users;
    private final PasswordHasher hasher;
    private final AccessTokens accessTokens;
    private final RefreshTokens refreshTokens;
    private final RateLimiter loginLimit;
    private final LoginThrottle accountThrottle;

    /** {@code loginLimit} limits logins per client address; failures per account are throttled as well. */
    public AuthRoutes(UserStore users, PasswordHasher hasher, AccessTokens accessTokens, RefreshTokens refreshTokens,
                      RateLimiter loginLimit, Clock clock) {
        this.users = users;
        this.hasher = hasher;
        this.accessTokens = accessTokens;
        this.refreshTokens = refreshTokens;
        this.loginLimit = loginLimit;
        this.accountThrottle = new LoginThrottle(clock);
    }

    public void register(ApiRoutes routes) {
        routes.open("POST", "/auth/login", AUTH_BODY_LIMIT, this::login);
        routes.open("POST", "/auth/refresh", AUTH_BODY_LIMIT, this::refresh);
        routes.open("POST", "/auth/logout", AUTH_BODY_LIMIT, this::logout);
    }

    private Object login(Call call) {
        loginLimit.acquire(call.clientAddress());
        Fields fields = new Fields(call.body(), "email", "password", "organisation");
        String email = fields.required("email", fields.text("email", 254));
        String password = fields.required("password", fields.text("password", 1000));
        Optional<String> organisation = fields.text("organisation", 63);
        fields.check();
        accountThrottle.check(email, call.clientAddress());
        List<User> memberships = accountsOpenedBy(email, password);
        List<User> opened = memberships.stream()
                .filter(account -> organisation.map(account.orgSlug()::equals).orElse(true)).toList();
        if (opened.isEmpty()) {
            accountThrottle.failed(email);
            throw ApiException.unauthorized("wrong e-mail or password");
        }
        if (opened.size() > 1) {
            throw ApiException.of(409, "choose_organisation", "this e-mail and password open accounts in several"
                    + " organisations: send the one to log in to as organisation", opened.stream().map(User::orgSlug).toList());
        }
        User user = opened.get(0);
        accountThrottle.succeeded(email, call.clientAddress());
        call.audit("user/" + user.id());
        Map<String, Object> answer = tokens(user, refreshTokens.issue(user.id()));
        answer.put("memberships", memberships.stream()
                .map(account -> Map.of("organisation", account.orgSlug(), "role", account.role().wireName())).toList());
        return answer;
    }

    /**
     * The enabled accounts (one per organisation at most) whose password this is: the person's memberships. An
     * address used by no account costs the same hash check as a wrong password, so the answer's time does not tell
     * whether it exists.
     */
    private List<User> accountsOpenedBy(String email, String password) {
        List<UserStore.Credentials> accounts = users.credentials(email);
        if (accounts.isEmpty()) {
            hasher.matches(password, null);
            return List.of();
        }
        return accounts.stream().filter(account -> hasher.matches(password, account.passwordHash()))
                .map(UserStore.Credentials::user).filter(user -> !user.disabled()).toList();
    }

    private Object refresh(Call call) {
        String presented = refreshToken(call.body());
        RefreshTokens.Issued issued = refreshTokens.rotate(presented);
        User user = users.find(issued.userId()).filter(found -> !found.disabled())
                .orElseThrow(() -> ApiException.unauthorized("the user no longer exists or is disabled"));
        return tokens(user, issued);
    }

    private Object logout(Call call) {
        refreshTokens.revokeFamily(refreshToken(call.body())).ifPresent(accessTokens::forgetSession);
        return Reply.noContent();
    }

    private static String refreshToken(ObjectNode body) {
        Fields fields = new Fields(body, "refreshToken");
        String token = fields.required("refreshToken", fields.text("refreshToken", 200));
        fields.check();
        return token;
    }

    private Map<String, Object> tokens(User user, RefreshTokens.Issued refreshToken) {
        Map<String, Object> tokens = new LinkedHashMap<>();
        tokens.put("accessToken", accessTokens.issue(user, refreshToken.sessionId()));
        tokens.put("tokenType", "Bearer");
        tokens.put("expiresIn", accessTokens.lifetime().toSeconds());
        tokens.put("refreshToken", refreshToken.token());
        tokens.put("user", user);
        return tokens;
    }
}
