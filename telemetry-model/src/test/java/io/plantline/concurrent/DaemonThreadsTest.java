package io.plantline.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

class DaemonThreadsTest {

    @Test
    void namedThreadsAreDaemonsOfThatName() {
        Thread thread = DaemonThreads.named("audit-log").newThread(() -> { });

        assertThat(thread.isDaemon()).isTrue();
        assertThat(thread.getName()).isEqualTo("audit-log");
    }

    @Test
    void aPoolsThreadsAreNumberedFromOne() {
        ThreadFactory factory = DaemonThreads.numbered("report-worker");

        assertThat(factory.newThread(() -> { }).getName()).isEqualTo("report-worker-1");
        Thread second = factory.newThread(() -> { });
        assertThat(second.getName()).isEqualTo("report-worker-2");
        assertThat(second.isDaemon()).isTrue();
    }
}
