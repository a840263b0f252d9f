package io.plantline.model;

import java.time.Instant;

/** A value that holds from {@code effectiveFrom} until the next period of its schedule begins. */
public interface EffectivePeriod {

    Instant effectiveFrom();
}
