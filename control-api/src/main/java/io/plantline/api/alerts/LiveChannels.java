package io.plantline.api.alerts;

import io.plantline.api.db.Database;
import io.plantline.api.devices.LatestMinutes;
import io.plantline.api.kpis.LineOee;
import io.plantline.api.kpis.OeeFigures;
import io.plantline.model.DeviceRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The channels a socket may subscribe to in its organisation: {@code device:{deviceId}} and {@code group:{groupId}},
 * each the live readings and machine states of its devices, and {@code oee:{groupId}}, a line's OEE minute by minute
 * ({@link LineOee}). Subscribing to a device or group answers the current state of each device: online, last seen,
 * its machine state and since when, and its newest minute of each metric ({@link LatestMinutes}).
 */
public final class LiveChannels {

    /** A group's snapshot lists at most this many devices; its live messages come from all of them. */
    static final int MAX_SNAPSHOT_DEVICES = 500;
    private static final Pattern NAME = Pattern.compile("(device|group|oee):([A-Za-z0-9][A-Za-z0-9_.:-]{0,127})");

    /**
     * A resolved channel: the Kafka keys ({@code org/device}) of its devices, the line whose OEE it follows (an
     * {@code oee:} channel, which has no devices' records), and what it shows now: each device's state, or the line's
     * newest OEE minute (null when it has none yet).
     */
    record Channel(String name, Set<String> deviceKeys, Optional<String> oeeLine, Object snapshot) {
    }

    private record DeviceState(String deviceId, boolean online, Instant lastSeenAt, String machineState,
                               Instant machineStateSince) {
    }

    private final Database database;
    private final LatestMinutes latestMinutes;
    private final LineOee lineOee;

    public LiveChannels(Database database, LatestMinutes latestMinutes, LineOee lineOee) {
        this.database = database;
        this.latestMinutes = latestMinutes;
        this.lineOee = lineOee;
    }

    /** The line's newest OEE minute, for the channel's updates. */
    Optional<OeeFigures> newestOee(String orgSlug, String groupId) {
        return lineOee.newestMinute(orgSlug, groupId);
    }

    /** Empty for a malformed name, or a device or group the organisation does not have. */
    Optional<Channel> resolve(String orgSlug, String name) {
        Matcher matcher = NAME.matcher(name);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        if (matcher.group(1).equals("oee")) {
            String groupId = matcher.group(2);
            return lineOee.groupExists(orgSlug, groupId) ? Optional.of(new Channel(name, Set.of(), Optional.of(groupId),
                    lineOee.newestMinute(orgSlug, groupId).orElse(null))) : Optional.empty();
        }
        String columns = "d.device_id, d.online, d.last_seen_at, d.machine_state, d.machine_state_since";
        String sql = matcher.group(1).equals("device")
                ? "SELECT " + columns + " FROM devices d WHERE d.org_slug = ? AND d.device_id = ?"
                : "SELECT " + columns + " FROM device_group_members m JOIN devices d ON d.org_slug = m.org_slug"
                        + " AND d.device_id = m.device_id WHERE m.org_slug = ? AND m.group_id = ? ORDER BY d.device_id";
        List<DeviceState> devices = database.list(sql, row -> new DeviceState(row.getString("device_id"),
                row.getBoolean("online"), Database.instant(row, "last_seen_at").orElse(null),
                row.getString("machine_state"), Database.instant(row, "machine_state_since").orElse(null)),
                orgSlug, matcher.group(2));
        boolean isGroup = matcher.group(1).equals("group");
        if (devices.isEmpty() && !(isGroup && lineOee.groupExists(orgSlug, matcher.group(2)))) {
            return Optional.empty();
        }
        Set<String> keys = devices.stream().map(device -> new DeviceRef(orgSlug, device.deviceId()).key())
                .collect(Collectors.toUnmodifiableSet());
        return Optional.of(new Channel(name, keys, Optional.empty(), snapshot(orgSlug, devices)));
    }

    private List<Map<String, Object>> snapshot(String orgSlug, List<DeviceState> devices) {
        List<DeviceState> shown = devices.subList(0, Math.min(devices.size(), MAX_SNAPSHOT_DEVICES));
        Map<String, List<LatestMinutes.Latest>> latest = latestMinutes.of(orgSlug,
                shown.stream().map(DeviceState::deviceId).toList()).stream()
                .collect(Collectors.groupingBy(LatestMinutes.Latest::deviceId));
        List<Map<String, Object>> snapshot = new ArrayList<>();
        for (DeviceState device : shown) {
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("deviceId", device.deviceId());
            state.put("online", device.online());
            state.put("lastSeenAt", device.lastSeenAt());
            state.put("machineState", device.machineState());
            state.put("machineStateSince", device.machineStateSince());
            state.put("latest", latest.getOrDefault(device.deviceId(), List.of()));
            snapshot.add(state);
        }
        return snapshot;
    }
}
