package io.plantline.api.http;

/** Turns an {@code Authorization} header into the calling user, or throws a 401 saying why not. */
@FunctionalInterface
public interface Authenticator {
    Principal authenticate(String authorizationHeader);
}
