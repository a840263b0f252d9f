package io.plantline.pipeline.lifecycle;

import io.plantline.config.Settings;
import java.io.Serializable;
import java.time.Duration;
import java.util.Set;

/**
 * The device-lifecycle job's own settings, beside {@link io.plantline.pipeline.JobOptions}.
 *
 * @param offlineAfter     a device with no message for this long is offline ({@code --offline-after-ms}, default 90 s)
 * @param sentTimeout      an update sent and never started fails {@code timeout} after this ({@code --ota-sent-timeout-ms},
 *                         default 10 min)
 * @param downloadTimeout  a download may take this long ({@code --ota-download-timeout-ms}, default 30 min)
 * @param stepTimeout      each later step (verify, install) may take this long ({@code --ota-step-timeout-ms}, default 10 min)
 * @param rebootTimeout    after reporting SUCCEEDED, the device must come back with the new version within this
 *                         ({@code --ota-reboot-timeout-ms}, default 5 min)
 * @param wallClockAfter   a source silent for this long (longer than the idleness of {@code --idleness-ms}) follows
 *                         the wall clock, so a plant gone silent still sees its devices go offline
 *                         ({@code --wall-clock-after-ms}, default 60 s)
 * @param lastSeenInterval how often at most {@code devices.last_seen_at} is rewritten while a device stays online
 *                         ({@code --last-seen-interval-ms}, default 30 s)
 */
public record LifecycleSettings(Duration offlineAfter, Duration sentTimeout, Duration downloadTimeout, Duration stepTimeout,
                                Duration rebootTimeout, Duration wallClockAfter, Duration lastSeenInterval)
        implements Serializable {

    public static final LifecycleSettings DEFAULTS = new LifecycleSettings(Duration.ofSeconds(90), Duration.ofMinutes(10),
            Duration.ofMinutes(30), Duration.ofMinutes(10), Duration.ofMinutes(5), Duration.ofSeconds(60),
            Duration.ofSeconds(30));
    public static final Set<String> NAMES = Set.of("offline-after-ms", "ota-sent-timeout-ms", "ota-download-timeout-ms",
            "ota-step-timeout-ms", "ota-reboot-timeout-ms", "wall-clock-after-ms", "last-seen-interval-ms");

    public static LifecycleSettings from(Settings settings) {
        return new LifecycleSettings(millis(settings, "offline-after-ms", DEFAULTS.offlineAfter),
                millis(settings, "ota-sent-timeout-ms", DEFAULTS.sentTimeout),
                millis(settings, "ota-download-timeout-ms", DEFAULTS.downloadTimeout),
                millis(settings, "ota-step-timeout-ms", DEFAULTS.stepTimeout),
                millis(settings, "ota-reboot-timeout-ms", DEFAULTS.rebootTimeout),
                millis(settings, "wall-clock-after-ms", DEFAULTS.wallClockAfter),
                millis(settings, "last-seen-interval-ms", DEFAULTS.lastSeenInterval));
    }

    /** How long a target may stay in {@code state} before it fails with reason {@code timeout}. */
    Duration timeoutIn(OtaStep state) {
        return switch (state) {
            case SENT -> sentTimeout;
            case DOWNLOADING -> downloadTimeout;
            case AWAITING_REBOOT -> rebootTimeout;
            default -> stepTimeout;
        };
    }

    private static Duration millis(Settings settings, String name, Duration fallback) {
        return Duration.ofMillis(settings.number(name, fallback.toMillis(), 1, Duration.ofDays(7).toMillis()));
    }
}
