package io.plantline.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InFlightTest {

    @Test
    void messagesAdmittedAtOnceNeverOvershootTheBudget() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            int overshoots = 0;
            for (int round = 0; round < 2_000; round++) {
                InFlight inFlight = new InFlight(100, System::currentTimeMillis);
                CyclicBarrier together = new CyclicBarrier(2);
                Future<Boolean> first = threads.submit(() -> admitTogether(inFlight, together));
                Future<Boolean> second = threads.submit(() -> admitTogether(inFlight, together));
                first.get();
                second.get();
                if (inFlight.bytes() > 100) {
                    overshoots++;
                }
            }
            assertThat(overshoots).as("rounds in which two admissions together held more than the budget").isZero();
        } finally {
            threads.shutdownNow();
        }
    }

    private static boolean admitTogether(InFlight inFlight, CyclicBarrier together) throws Exception {
        together.await();
        return inFlight.tryAdmit(60).isPresent();
    }

    @Test
    void aMessageReleasedTwiceIsCountedOnce() {
        InFlight inFlight = new InFlight(1 << 20, System::currentTimeMillis);
        InFlight.Held held = inFlight.admit(10);
        inFlight.admit(5);
        inFlight.release(held);
        inFlight.release(held);
        assertThat(inFlight.messages()).isEqualTo(1);
        assertThat(inFlight.bytes()).isEqualTo(5);
    }

    @Test
    void aRegistryThatCannotBeReloadedIsReported() {
        BridgeHealth health = new BridgeHealth(() -> true, new InFlight(1 << 20, System::currentTimeMillis), 1_000,
                () -> true, () -> Optional.of("device registry not reloaded for 5 s: no database"), System::currentTimeMillis);
        assertThat(health.check().up()).isFalse();
        assertThat(health.check().problems()).containsExactly("device registry not reloaded for 5 s: no database");
    }

    @Test
    void oneMessageStuckIsAStallHoweverWellTheOthersComplete() {
        AtomicLong now = new AtomicLong(0);
        InFlight inFlight = new InFlight(1 << 20, now::get);
        BridgeHealth health = new BridgeHealth(() -> true, inFlight, 1_000, () -> true, Optional::empty, now::get);
        inFlight.admit(10);
        for (long t = 100; t <= 5_000; t += 100) {
            now.set(t);
            inFlight.release(inFlight.admit(10));
        }
        assertThat(health.check().up()).isFalse();
        assertThat(health.check().problems()).anyMatch(problem -> problem.contains("waiting for Kafka"));
    }
}
