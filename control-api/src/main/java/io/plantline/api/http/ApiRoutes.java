package io.plantline.api.http;

import io.plantline.api.db.Database;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.servlet.ServletRequest;
import javax.servlet.ServletRequestWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import spark.Request;
import spark.Response;
import spark.Service;

/**
 * Declares the API's routes on a sparkjava service and runs every request through the same steps: a request
 * id (response header and log context), the body size limit, the access token and the route's minimum role,
 * the per-user rate limit, the handler, the envelope (or the error envelope) and, for writes, the audit log.
 */
public final class ApiRoutes {

    public static final String BASE = "/api/v1";
    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{8,64}");
    private static final Logger LOG = LoggerFactory.getLogger(ApiRoutes.class);
    private static final long MAX_DISCARDED_BYTES = 32L << 20;

    @FunctionalInterface
    public interface Handler {
        Object handle(Call call) throws Exception;
    }

    /** A declared route, as the OpenAPI document must list it ({@code GET /devices/{deviceId}}); no role = open. */
    public record Declared(String method, String path, java.util.Optional<Role> minimum) {
    }

    private final Service http;
    private final Authenticator authenticator;
    private final RateLimiter userLimit;
    private final RateLimiter addressLimit;
    private final ClientAddresses addresses;
    private final AuditLog audit;
    private final long maxBodyBytes;
    private final List<Declared> declared = new ArrayList<>();

    /**
     * {@code addressLimit} counts every request of a client address before anything else (authentication included);
     * {@code userLimit} every request of an authenticated user.
     */
    public ApiRoutes(Service http, Authenticator authenticator, RateLimiter addressLimit, ClientAddresses addresses,
                     RateLimiter userLimit, AuditLog audit, long maxBodyBytes) {
        this.http = http;
        this.authenticator = authenticator;
        this.addressLimit = addressLimit;
        this.addresses = addresses;
        this.userLimit = userLimit;
        this.audit = audit;
        this.maxBodyBytes = maxBodyBytes;
        http.internalServerError((request, response) -> errorBody(request, response,
                ApiException.of(500, "internal_error", "internal error")));
    }

    public void get(String path, Role minimum, Handler handler) {
        declare("GET", path, minimum, maxBodyBytes, true, handler);
    }

    public void post(String path, Role minimum, Handler handler) {
        declare("POST", path, minimum, maxBodyBytes, true, handler);
    }

    /** A POST whose body may be larger (or must be smaller) than the server-wide limit: firmware uploads. */
    public void post(String path, Role minimum, long bodyLimitBytes, Handler handler) {
        declare("POST", path, minimum, bodyLimitBytes, true, handler);
    }

    public void put(String path, Role minimum, Handler handler) {
        declare("PUT", path, minimum, maxBodyBytes, true, handler);
    }

    public void patch(String path, Role minimum, Handler handler) {
        declare("PATCH", path, minimum, maxBodyBytes, true, handler);
    }

    public void delete(String path, Role minimum, Handler handler) {
        declare("DELETE", path, minimum, maxBodyBytes, true, handler);
    }

    /** A route without a user token (login, refresh, the OpenAPI document); it authenticates itself if it must. */
    public void open(String method, String path, long bodyLimitBytes, Handler handler) {
        declare(method, path, null, bodyLimitBytes, true, handler);
    }

    /**
     * Device ingestion: open like {@link #open} but not audited, since it is device data, not a change made through
     * the API; refused messages are on the dead-letter topic instead, as the bridge's are.
     */
    public void ingestion(String path, long bodyLimitBytes, Handler handler) {
        declare("POST", path, null, bodyLimitBytes, false, handler);
    }

    /**
     * Answers every path no route matched with the 404 envelope. Declared last, since routes match in declaration
     * order; sparkjava's own not-found page is not used because, with a WebSocket route, Jetty answers in HTML.
     * The WebSocket upgrade at {@code webSocketPath} is let through: a route answering null leaves the request
     * to the next handler, which is the WebSocket's.
     */
    public void declareNotFound(String webSocketPath) {
        spark.Route notFound = (request, response) -> webSocketPath.equals(request.pathInfo()) ? null : errorBody(request,
                response, ApiException.of(404, "not_found", "no such route: " + request.requestMethod() + " " + request.pathInfo()));
        http.get("*", notFound);
        http.post("*", notFound);
        http.put("*", notFound);
        http.patch("*", notFound);
        http.delete("*", notFound);
    }

    public List<Declared> declared() {
        return List.copyOf(declared);
    }

    private void declare(String method, String path, Role minimum, long bodyLimit, boolean audited, Handler handler) {
        declared.add(new Declared(method, path.replaceAll(":([A-Za-z]+)", "{$1}"), java.util.Optional.ofNullable(minimum)));
        spark.Route route = (request, response) -> handle(request, response, method, minimum, bodyLimit, audited, handler);
        String fullPath = BASE + path;
        switch (method) {
            case "GET" -> http.get(fullPath, route);
            case "POST" -> http.post(fullPath, route);
            case "PUT" -> http.put(fullPath, route);
            case "PATCH" -> http.patch(fullPath, route);
            case "DELETE" -> http.delete(fullPath, route);
            default -> throw new IllegalArgumentException("unsupported method " + method);
        }
    }

    private Object handle(Request request, Response response, String method, Role minimum, long bodyLimit,
                          boolean audited, Handler handler) {
        Call call = new Call(request, requestId(request, response),
                addresses.of(request.ip(), request.headers("X-Forwarded-For")));
        // Answers carry tokens, keys and an organisation's data: no browser or proxy keeps them.
        response.header("Cache-Control", "no-store");
        MDC.put("requestId", call.requestId());
        try {
            addressLimit.acquire(call.clientAddress());
            long length = request.contentLength();
            if (length > bodyLimit) {
                discardBody(request, length);
                throw ApiException.tooLarge(bodyLimit);
            }
            if (length < 0 && request.headers("Transfer-Encoding") != null) {
                // A body of unknown length could only be limited after reading it whole into memory.
                throw ApiException.of(411, "length_required", "send the body with a Content-Length");
            }
            if (minimum != null) {
                Principal principal = authenticator.authenticate(request.headers("Authorization"));
                call.authenticated(principal);
                if (!principal.role().includes(minimum)) {
                    throw ApiException.forbidden();
                }
                userLimit.acquire(principal.userId().toString());
            }
            return render(handler.handle(call), response);
        } catch (ApiException e) {
            return error(response, call.requestId(), e);
        } catch (Database.DatabaseException e) {
            return error(response, call.requestId(), databaseFailure(e));
        } catch (Exception e) {
            LOG.error("{} {} failed", method, request.pathInfo(), e);
            return error(response, call.requestId(), ApiException.of(500, "internal_error", "internal error"));
        } finally {
            if (audited && !"GET".equals(method)) {
                audit.record(call, method, request.pathInfo(), response.status());
            }
            MDC.remove("requestId");
        }
    }

    /**
     * Reads and drops a refused body of moderate size before the 413 goes out. Answering without reading it makes
     * Jetty close the connection while the client is still sending, and the client may then see a reset instead of
     * the answer. Larger bodies are not worth the bandwidth: the connection just closes.
     */
    private static void discardBody(Request request, long length) {
        if (length > MAX_DISCARDED_BYTES) {
            return;
        }
        // Jetty's own stream: sparkjava's wrapper would first copy the whole body into memory.
        ServletRequest jetty = request.raw();
        while (jetty instanceof ServletRequestWrapper wrapper) {
            jetty = wrapper.getRequest();
        }
        byte[] buffer = new byte[64 * 1024];
        try (InputStream body = jetty.getInputStream()) {
            while (body.read(buffer) >= 0) {
                // dropped
            }
        } catch (IOException e) {
            // the client gave up; the answer goes out if it still can
        }
    }

    private static ApiException databaseFailure(Database.DatabaseException e) {
        return switch (String.valueOf(e.sqlState())) {
            case "23505" -> ApiException.conflict("already exists");
            // A row another request changed meanwhile, such as a profile deleted while a device was being assigned it.
            case "23503" -> ApiException.conflict("it refers to something that no longer exists, or is still referred to");
            case "57014" -> ApiException.unavailable("the query took too long; narrow the range");
            default -> {
                LOG.error("database failure", e);
                yield ApiException.of(500, "internal_error", "internal error");
            }
        };
    }

    private static Object render(Object result, Response response) {
        if (result instanceof Reply.Stream stream) {
            response.status(200);
            response.type(stream.contentType());
            response.header("Content-Length", Long.toString(stream.length()));
            stream.headers().forEach(response::header);
            try {
                stream.body().writeTo(response.raw().getOutputStream());
            } catch (IOException | RuntimeException e) {
                // The answer is under way: the client sees fewer bytes than Content-Length said, a cut-off download.
                LOG.warn("streaming an answer stopped", e);
            }
            return "";
        }
        if (result instanceof Reply.Binary binary) {
            response.status(binary.status());
            response.type("application/octet-stream");
            binary.headers().forEach(response::header);
            return binary.body();
        }
        response.type("application/json");
        if (result instanceof Reply.NoContent) {
            response.status(204);
            return "";
        }
        if (result instanceof Reply.Document document) {
            return document.json();
        }
        if (result instanceof Reply.Page page) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("data", page.items());
            body.put("pagination", Map.of("page", page.page(), "pageSize", page.pageSize(), "total", page.total()));
            return Json.write(body);
        }
        if (result instanceof Reply.Data data) {
            response.status(data.status());
            return Json.write(Map.of("data", data.data()));
        }
        return Json.write(java.util.Collections.singletonMap("data", result));
    }

    private static String error(Response response, String requestId, ApiException e) {
        response.status(e.status());
        response.type("application/json");
        e.retryAfterSeconds().ifPresent(seconds -> response.header("Retry-After", Long.toString(seconds)));
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", e.code());
        error.put("message", e.getMessage());
        error.put("details", e.details());
        error.put("requestId", requestId);
        return Json.write(Map.of("error", error));
    }

    static String errorBody(Request request, Response response, ApiException e) {
        return error(response, requestId(request, response), e);
    }

    /** The caller's request id when it sent a sane one (so its logs and ours line up), else a new one. */
    private static String requestId(Request request, Response response) {
        String offered = request.headers(REQUEST_ID_HEADER);
        String id = offered != null && CLIENT_REQUEST_ID.matcher(offered).matches() ? offered : UUID.randomUUID().toString();
        response.header(REQUEST_ID_HEADER, id);
        return id;
    }
}
