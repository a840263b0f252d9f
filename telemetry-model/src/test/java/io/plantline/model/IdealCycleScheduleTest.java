package io.plantline.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IdealCycleScheduleTest {

    private static final Instant CREATED = Instant.parse("2026-12-02T10:00:00Z");

    @Test
    void aWriteEffectiveBeforeAnEarlierWriteSupersedesItFromThenOn() {
        // Creating a device without an ideal cycle time, then setting one effective an hour before the creation.
        IdealCycleSchedule schedule = IdealCycleSchedule.EMPTY.written(CREATED, Optional.empty())
                .written(CREATED.minus(Duration.ofHours(1)), Optional.of(2.0));

        assertThat(schedule.at(CREATED.plus(Duration.ofMinutes(5)))).contains(2.0);
        assertThat(schedule.at(CREATED.minus(Duration.ofMinutes(30)))).contains(2.0);
        assertThat(schedule.at(CREATED.minus(Duration.ofHours(2)))).isEmpty();
    }

    @Test
    void aLaterEffectiveTimeKeepsTheEarlierPeriodBeforeIt() {
        IdealCycleSchedule schedule = IdealCycleSchedule.EMPTY.written(CREATED, Optional.of(2.0))
                .written(CREATED.plus(Duration.ofHours(1)), Optional.of(3.0));

        assertThat(schedule.at(CREATED.plus(Duration.ofMinutes(59)))).contains(2.0);
        assertThat(schedule.at(CREATED.plus(Duration.ofHours(2)))).contains(3.0);
        assertThat(schedule.periods()).hasSize(2);
    }

    @Test
    void removingTheIdealCycleTimeLeavesNoneFromThenOn() {
        IdealCycleSchedule schedule = IdealCycleSchedule.EMPTY.written(CREATED, Optional.of(2.0))
                .written(CREATED.plus(Duration.ofHours(1)), Optional.empty());

        assertThat(schedule.at(CREATED.plus(Duration.ofHours(2)))).isEmpty();
        assertThat(schedule.at(CREATED)).contains(2.0);
    }

    @Test
    void schedulesThatMeanTheSameAreEqual() {
        IdealCycleSchedule repeated = IdealCycleSchedule.of(List.of(
                new IdealCycleTime(CREATED.plusSeconds(60), Optional.of(2.0)),
                new IdealCycleTime(CREATED.minusSeconds(60), Optional.empty()),
                new IdealCycleTime(CREATED, Optional.of(2.0))));

        assertThat(repeated).isEqualTo(IdealCycleSchedule.EMPTY.written(CREATED, Optional.of(2.0)));
    }

    @Test
    void periodsThatEndedLongAgoAreForgottenButTheOneInForceStays() {
        IdealCycleSchedule schedule = IdealCycleSchedule.EMPTY
                .written(CREATED.minus(Duration.ofDays(90)), Optional.of(1.0))
                .written(CREATED.minus(Duration.ofDays(60)), Optional.of(2.0))
                .written(CREATED.minus(Duration.ofDays(1)), Optional.of(3.0));

        IdealCycleSchedule kept = schedule.forgetEndedBefore(CREATED, Duration.ofDays(30));

        assertThat(kept.periods()).extracting(IdealCycleTime::idealCycleSeconds)
                .containsExactly(Optional.of(2.0), Optional.of(3.0));
        assertThat(kept.at(CREATED.minus(Duration.ofDays(30)))).contains(2.0);
    }
}
