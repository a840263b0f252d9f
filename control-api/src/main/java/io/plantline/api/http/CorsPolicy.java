package io.plantline.api.http;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import spark.Service;

/**
 * Cross-origin calls from browser pages on other origins (a dashboard served elsewhere): allowed only from the listed
 * origins, none by default. An allowed origin gets its own name back in {@code Access-Control-Allow-Origin} and an
 * answer to its preflight; any other origin gets no CORS header, and its preflight a 403, so the browser stops there.
 * Tokens travel in the Authorization header, never in cookies, so credentials mode is not needed.
 */
public final class CorsPolicy {

    public static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.-]+(:\\d{1,5})?");
    private static final String METHODS = "GET, POST, PUT, PATCH, DELETE";
    private static final String REQUEST_HEADERS = "Authorization, Content-Type, X-Request-Id, X-Device-Key, Range, If-Range";
    private static final String EXPOSED_HEADERS = "X-Request-Id, Retry-After, Location, ETag, Content-Range";
    private static final String MAX_AGE_SECONDS = "600";

    private final Set<String> origins;

    /** {@code origins}: exact origins such as {@code https://dashboard.plant.example:8443}. */
    public CorsPolicy(List<String> origins) {
        origins.stream().filter(origin -> !ORIGIN.matcher(origin).matches()).findFirst().ifPresent(origin -> {
            throw new IllegalArgumentException("cors-origins: " + origin + " is not an origin like https://host:port");
        });
        this.origins = Set.copyOf(origins);
    }

    /** Registers the check before every route of {@code http}. */
    public void apply(Service http) {
        http.before((request, response) -> {
            String origin = request.headers("Origin");
            boolean preflight = "OPTIONS".equals(request.requestMethod())
                    && request.headers("Access-Control-Request-Method") != null;
            if (origin == null || !origins.contains(origin)) {
                if (preflight) {
                    http.halt(403, ApiRoutes.errorBody(request, response, ApiException.of(403, "origin_not_allowed",
                            "this API does not take calls from pages of " + origin + "; its operator lists the"
                                    + " origins it does (cors-origins)")));
                }
                return;
            }
            response.header("Access-Control-Allow-Origin", origin);
            response.header("Vary", "Origin");
            response.header("Access-Control-Expose-Headers", EXPOSED_HEADERS);
            if (preflight) {
                response.header("Access-Control-Allow-Methods", METHODS);
                response.header("Access-Control-Allow-Headers", REQUEST_HEADERS);
                response.header("Access-Control-Max-Age", MAX_AGE_SECONDS);
                http.halt(204);
            }
        });
    }
}
