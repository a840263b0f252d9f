package io.plantline.pipeline;

import io.plantline.model.DeviceSettings;
import io.plantline.model.json.RecordJson;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A long rules topic, as a plant with many devices has: settings of devices the tests never send for. */
final class RulesTopicFiller {

    private RulesTopicFiller() {
    }

    static List<Map.Entry<String, byte[]>> settingsOfOtherDevices(int devices) {
        List<Map.Entry<String, byte[]>> records = new ArrayList<>(devices);
        for (int device = 0; device < devices; device++) {
            DeviceSettings settings = DeviceSettings.of("filler", "device-" + device, Optional.of(1.0),
                    Instant.EPOCH, Map.of());
            records.add(new AbstractMap.SimpleImmutableEntry<>(settings.key(), RecordJson.write(settings)));
        }
        return records;
    }
}
