package io.plantline.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which devices of the rule's organisation a rule watches: one device, a group, or all of them.
 * A group scope carries the group's members as published by the API, so a job needs no group table;
 * the API republishes the rule when the membership changes.
 */
public record RuleScope(ScopeType type, String target, Set<String> members) {

    public enum ScopeType {
        DEVICE,
        GROUP,
        ORGANISATION
    }

    public RuleScope {
        members = members == null ? Set.of() : Set.copyOf(members);
        List<String> problems = problems(type, target);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    public static RuleScope device(String deviceId) {
        return new RuleScope(ScopeType.DEVICE, deviceId, Set.of());
    }

    public static RuleScope group(String groupId, Set<String> members) {
        return new RuleScope(ScopeType.GROUP, groupId, members);
    }

    public static RuleScope organisation() {
        return new RuleScope(ScopeType.ORGANISATION, null, Set.of());
    }

    public boolean appliesTo(String deviceId) {
        return switch (type) {
            case DEVICE -> target.equals(deviceId);
            case GROUP -> members.contains(deviceId);
            case ORGANISATION -> true;
        };
    }

    static List<String> problems(ScopeType type, String target) {
        List<String> problems = new ArrayList<>();
        if (type == null) {
            problems.add("scope.type is required");
        } else if (type == ScopeType.DEVICE && (target == null || !DeviceRef.DEVICE_ID.matcher(target).matches())) {
            problems.add("scope.target must be a device id");
        } else if (type == ScopeType.GROUP && (target == null || !Limits.IDENTIFIER.matcher(target).matches())) {
            problems.add("scope.target must be a group id");
        }
        return problems;
    }
}
