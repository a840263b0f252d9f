package io.plantline.api.http;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** A user's role; each includes the ones before it: viewers read, operators act, admins manage. */
public enum Role {
    VIEWER,
    OPERATOR,
    ADMIN;

    public static final Set<String> NAMES = Arrays.stream(values()).map(Role::wireName).collect(Collectors.toUnmodifiableSet());

    @com.fasterxml.jackson.annotation.JsonValue
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Optional<Role> fromWireName(String name) {
        return Arrays.stream(values()).filter(role -> role.wireName().equals(name)).findFirst();
    }

    public boolean includes(Role other) {
        return compareTo(other) >= 0;
    }
}
