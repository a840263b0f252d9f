package io.plantline.api.http;

import java.util.List;
import java.util.OptionalLong;

/**
 * Every failure a handler reports: the HTTP status, a stable machine-readable code, a message for people and,
 * for validation, every problem at once. {@link ApiRoutes} turns it into the error envelope in one place.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final List<String> details;
    private final OptionalLong retryAfterSeconds;

    private ApiException(int status, String code, String message, List<String> details, OptionalLong retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = List.copyOf(details);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException of(int status, String code, String message) {
        return new ApiException(status, code, message, List.of(), OptionalLong.empty());
    }

    /** An error whose {@code details} list the choices or facts the client needs to act on it. */
    public static ApiException of(int status, String code, String message, List<String> details) {
        return new ApiException(status, code, message, details, OptionalLong.empty());
    }

    public static ApiException validation(List<String> details) {
        return new ApiException(400, "validation_failed", "the request is not valid", details, OptionalLong.empty());
    }

    /** The 400 listing {@code problems}, if there are any. */
    public static void throwIfAny(List<String> problems) {
        if (!problems.isEmpty()) {
            throw validation(problems);
        }
    }

    public static ApiException unauthorized(String message) {
        return of(401, "unauthorized", message);
    }

    public static ApiException forbidden() {
        return of(403, "forbidden", "your role does not allow this");
    }

    /** Unknown and another organisation's look the same, so ids of other organisations cannot be probed. */
    public static ApiException notFound(String what) {
        return of(404, "not_found", what + " not found");
    }

    public static ApiException conflict(String message) {
        return of(409, "conflict", message);
    }

    public static ApiException tooLarge(long limitBytes) {
        return of(413, "payload_too_large", "the request body is larger than " + limitBytes + " bytes");
    }

    public static ApiException businessRule(String message) {
        return of(422, "business_rule", message);
    }

    public static ApiException rateLimited(long retryAfterSeconds) {
        return rateLimited("too many requests; retry after " + retryAfterSeconds + " s", retryAfterSeconds);
    }

    /** A quota other than the request rate (the daily firmware upload volume), with when to try again. */
    public static ApiException rateLimited(String message, long retryAfterSeconds) {
        return new ApiException(429, "rate_limited", message, List.of(), OptionalLong.of(retryAfterSeconds));
    }

    public static ApiException unavailable(String message) {
        return of(503, "unavailable", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<String> details() {
        return details;
    }

    public OptionalLong retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
