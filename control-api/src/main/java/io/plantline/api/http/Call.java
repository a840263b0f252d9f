package io.plantline.api.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.servlet.MultipartConfigElement;
import javax.servlet.ServletException;
import javax.servlet.http.Part;
import spark.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One request as a handler sees it: who calls, path and query parameters, the JSON body, what to audit. */
public final class Call {

    private static final Logger LOG = LoggerFactory.getLogger(Call.class);
    public static final int DEFAULT_PAGE_SIZE = 50;
    public static final int MAX_PAGE_SIZE = 500;

    private final Request request;
    private final String requestId;
    private final String clientAddress;
    private Principal principal;
    private String auditedEntity;
    private Map<String, Object> auditDetails = Map.of();

    Call(Request request, String requestId, String clientAddress) {
        this.request = request;
        this.requestId = requestId;
        this.clientAddress = clientAddress;
    }

    public String requestId() {
        return requestId;
    }

    public Principal principal() {
        if (principal == null) {
            throw new IllegalStateException("route declared without a role reads the principal");
        }
        return principal;
    }

    public Optional<Principal> principalIfAny() {
        return Optional.ofNullable(principal);
    }

    void authenticated(Principal principal) {
        this.principal = principal;
    }

    /**
     * For an action inside a route that asks more than the route's minimum (say an operator route whose body may
     * change what only admins change): 403 below {@code minimum}.
     */
    public void requireRole(Role minimum) {
        if (!principal().role().includes(minimum)) {
            throw ApiException.forbidden();
        }
    }

    /** The organisation every query of this request is scoped to. */
    public String org() {
        return principal().orgSlug();
    }

    public String path(String name) {
        return request.params(name);
    }

    /** A path id that must be a UUID; one that is not names nothing, so it is the same 404 as an unknown one. */
    public UUID uuidPath(String name, String what) {
        try {
            return UUID.fromString(path(name));
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound(what);
        }
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(request.headers(name));
    }

    /** The caller's address: the peer's, or the client's a trusted proxy forwarded ({@link ClientAddresses}). */
    public String clientAddress() {
        return clientAddress;
    }

    public ObjectNode body() {
        return Json.object(request.bodyAsBytes());
    }

    public byte[] rawBody() {
        return request.bodyAsBytes();
    }

    public boolean isMultipart() {
        return header("Content-Type").map(type -> type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data"))
                .orElse(false);
    }

    /**
     * The parts of a {@code multipart/form-data} body by name, each read whole: the route's body limit, checked
     * before the handler runs, bounds them all. A malformed body is a 400.
     */
    public Map<String, byte[]> multipartParts() {
        // Parts stay in memory up to the body limit (Jetty writes larger ones to temporary files, deleted below).
        request.raw().setAttribute("org.eclipse.jetty.multipartConfig", new MultipartConfigElement(
                System.getProperty("java.io.tmpdir"), -1, -1, 16 << 20));
        Map<String, byte[]> parts = new HashMap<>();
        try {
            for (Part part : request.raw().getParts()) {
                try (InputStream in = part.getInputStream()) {
                    parts.put(part.getName(), in.readAllBytes());
                }
                part.delete();
            }
        } catch (IOException | ServletException | IllegalStateException e) {
            // Jetty's message names its internals: the caller gets what to fix, the log the detail.
            LOG.info("request {}: unreadable multipart body", requestId, e);
            throw ApiException.validation(List.of("the multipart/form-data body cannot be read: send well-formed parts"
                    + " (file and fields), within the size limit"));
        }
        return parts;
    }

    public Optional<String> query(String name) {
        return Optional.ofNullable(request.queryParams(name)).filter(value -> !value.isEmpty());
    }

    public Optional<String> query(String name, Pattern pattern, List<String> problems) {
        Optional<String> value = query(name);
        if (value.isPresent() && !pattern.matcher(value.get()).matches()) {
            problems.add(name + " must match " + pattern.pattern());
            return Optional.empty();
        }
        return value;
    }

    public Optional<Instant> queryInstant(String name, List<String> problems) {
        Optional<String> value = query(name);
        try {
            return value.map(Instant::parse);
        } catch (DateTimeParseException e) {
            problems.add(name + " must be an ISO-8601 instant such as 2026-11-23T10:00:00Z");
            return Optional.empty();
        }
    }

    /** A required instant: "is required" when absent, unless it was there and malformed (already a problem). */
    public Instant requiredInstant(String name, List<String> problems) {
        Optional<Instant> value = queryInstant(name, problems);
        if (value.isEmpty() && query(name).isEmpty()) {
            problems.add(name + " is required");
        }
        return value.orElse(null);
    }

    public Optional<Boolean> queryBoolean(String name, List<String> problems) {
        Optional<String> value = query(name);
        if (value.isPresent() && !value.get().equals("true") && !value.get().equals("false")) {
            problems.add(name + " must be true or false");
            return Optional.empty();
        }
        return value.map(Boolean::parseBoolean);
    }

    public int queryInt(String name, int fallback, int min, int max, List<String> problems) {
        Optional<String> value = query(name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            int number = Integer.parseInt(value.get());
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below with the allowed range
        }
        problems.add(name + " must be a whole number between " + min + " and " + max);
        return fallback;
    }

    /** {@code page} (from 1) and {@code pageSize} (up to {@value #MAX_PAGE_SIZE}) of a list request. */
    public PageRequest pageRequest(List<String> problems) {
        return new PageRequest(queryInt("page", 1, 1, 1_000_000, problems),
                queryInt("pageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, problems));
    }

    /** The page of a list request that takes no other query parameter; a bad one is a 400. */
    public PageRequest page() {
        List<String> problems = new java.util.ArrayList<>();
        PageRequest page = pageRequest(problems);
        ApiException.throwIfAny(problems);
        return page;
    }

    /** Names the row a write touched, for the audit log. */
    public void audit(String entity) {
        this.auditedEntity = entity;
    }

    /** Names the row a write touched and what it changed (say the values before and after), for the audit log. */
    public void audit(String entity, Map<String, Object> details) {
        this.auditedEntity = entity;
        this.auditDetails = details;
    }

    Optional<String> auditedEntity() {
        return Optional.ofNullable(auditedEntity);
    }

    Map<String, Object> auditDetails() {
        return auditDetails;
    }

    public record PageRequest(int page, int pageSize) {
        public int offset() {
            return (page - 1) * pageSize;
        }

        public Reply.Page of(List<?> items, long total) {
            return new Reply.Page(items, page, pageSize, total);
        }
    }
}
