package io.plantline.pipeline.sink;

import io.plantline.model.DeadLetter;
import io.plantline.model.json.RecordJson;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The side output every operator sends unusable records to, and the records that put them on the dead-letter topic. */
public final class DeadLetters {

    public static final OutputTag<DeadLetter> TAG = new OutputTag<>("dead-letters") {
    };

    private DeadLetters() {
    }

    /** Keyed like the record it refuses; a repeat after a restart has the same origin (topic-partition@offset). */
    static ProducerRecord<byte[], byte[]> record(String topic, DeadLetter letter) {
        return new ProducerRecord<>(topic, letter.key() == null ? null : letter.key().getBytes(StandardCharsets.UTF_8),
                RecordJson.write(letter));
    }

    /**
     * The letter with as much of its raw bytes as lets its JSON take at most {@code maxBytes} (cut from the end;
     * {@code rawSize} still tells the original length), or empty if even none of them would.
     */
    static Optional<DeadLetter> cutToFit(DeadLetter letter, int maxBytes) {
        byte[] raw = letter.raw();
        DeadLetter cut = letter;
        for (int size = RecordJson.write(cut).length; size > maxBytes; size = RecordJson.write(cut).length) {
            if (raw.length == 0) {
                return Optional.empty();
            }
            // The raw bytes are base64 in the JSON: four characters for every three bytes.
            raw = Arrays.copyOf(raw, Math.max(0, raw.length - ((size - maxBytes) * 3 + 3) / 4 - 3));
            cut = new DeadLetter(letter.at(), letter.source(), letter.reason(), letter.detail(), letter.origin(),
                    letter.key(), raw, letter.rawSize());
        }
        return Optional.of(cut);
    }
}
