package io.plantline.pipeline;

import java.util.Optional;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

/** An operator's processing-time callbacks run as mail of its task; a harness leaves them queued until this runs them. */
public final class Mailbox {

    private Mailbox() {
    }

    /** Moves the harness's processing time to {@code time} and runs the callbacks that fall due. */
    public static void processingTime(AbstractStreamOperatorTestHarness<?> harness, long time) throws Exception {
        harness.setProcessingTime(time);
        TaskMailbox mailbox = harness.getTaskMailbox();
        for (Optional<Mail> mail = mailbox.tryTake(TaskMailbox.MIN_PRIORITY); mail.isPresent();
                mail = mailbox.tryTake(TaskMailbox.MIN_PRIORITY)) {
            mail.get().run();
        }
    }
}
