package io.plantline.bridge;

import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import java.util.Optional;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;

/** Which failures of a send are about the record itself, so that sending it again would fail the same way. */
final class KafkaRefusals {

    private KafkaRefusals() {
    }

    /** The rejection a record Kafka will never take becomes; empty for a failure worth sending again. */
    static Optional<Rejection> neverTaken(Throwable error) {
        if (error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException) {
            return Optional.of(new Rejection(RejectReason.RECORD_TOO_LARGE, "Kafka refused the record: " + error.getMessage()));
        }
        if (error instanceof SerializationException || error instanceof InvalidRecordException) {
            return Optional.of(new Rejection(RejectReason.INVALID_VALUE, "Kafka refused the record: " + error.getMessage()));
        }
        return Optional.empty();
    }
}
