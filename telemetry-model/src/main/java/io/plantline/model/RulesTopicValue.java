package io.plantline.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A value on the compacted {@code factory.rules} topic, which carries everything a running job must
 * learn without a restart. Its key is {@link #key()}; a tombstone (null value) under that key deletes it.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = AlertRule.class, name = "alert-rule"),
        @JsonSubTypes.Type(value = DeviceSettings.class, name = "device-settings")
})
public sealed interface RulesTopicValue permits AlertRule, DeviceSettings {

    String orgSlug();

    /** {@code {orgSlug}/rule/{ruleId}} or {@code {orgSlug}/device/{deviceId}}: one key per thing, so compaction keeps the latest. */
    String key();
}
