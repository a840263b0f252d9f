package io.plantline.pipeline.rules;

/**
 * One record of the compacted {@code factory.rules} topic: its key ({@code {org}/rule/{id}} or
 * {@code {org}/device/{id}}) and its JSON value, null for a tombstone (the thing was deleted).
 * Kept as JSON, not parsed, so the job's state holds the API's own format and survives changes to the classes.
 */
public record RuleChange(String key, byte[] json) {

    public boolean isDeletion() {
        return json == null;
    }
}
