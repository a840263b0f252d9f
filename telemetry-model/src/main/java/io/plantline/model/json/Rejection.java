package io.plantline.model.json;

import java.util.Objects;

/** A refused record's reason, and a sentence for the operator who reads the dead-letter topic. */
public record Rejection(RejectReason reason, String detail) {

    public Rejection {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }
}
