package io.plantline.pipeline.alerting;

import io.plantline.model.AlertTransition;

/** A lifecycle change of an alert, for {@code factory.alerts}: the row after the change and what changed. */
public record AlertChange(AlertRow alert, AlertTransition transition, long at) {
}
