package io.plantline.pipeline.rules;

/**
 * One record of the compacted {@code factory.rules} topic: its key ({@code {org}/rule/{id}} or
 * {@code {org}/device/{id}}; empty for a record without one, which names nothing) and its JSON value, null for a
 * tombstone (the thing was deleted), with where it was read. Kept as JSON, not parsed, so the job's state holds the
 * API's own format and survives changes to the classes. {@link #caughtUp()} is not a record of the topic but the
 * sign that every rule and setting the topic held at start has been read.
 */
public record RuleChange(String key, byte[] json, int partition, long offset) {

    private static final String CAUGHT_UP = "\0caught-up";

    public static RuleChange caughtUp() {
        return new RuleChange(CAUGHT_UP, null, -1, -1);
    }

    public boolean isCaughtUp() {
        return CAUGHT_UP.equals(key);
    }

    public boolean isDeletion() {
        return json == null;
    }
}
