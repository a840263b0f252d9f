package io.plantline.pipeline.ingest;

import io.plantline.model.DeadLetter;
import io.plantline.model.DeviceMessage;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.ParseResult;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads a device-message topic with the bridge's codec, so a record the bridge accepted is one the jobs accept.
 * Every record becomes something: the job's own record for a message of a kind it uses, else a rejected record
 * carrying the dead letter (reason, origin topic-partition@offset, raw bytes). Never throws.
 */
public abstract class DeviceRecordDeserializer<T> implements KafkaRecordDeserializationSchema<T> {

    static final Rejection EMPTY_RECORD = new Rejection(RejectReason.MALFORMED_JSON, "empty record");

    private final String jobName;
    private final Class<T> type;
    private transient DeviceMessageCodec codec;

    protected DeviceRecordDeserializer(String jobName, Class<T> type) {
        this.jobName = jobName;
        this.type = type;
    }

    /** The job's record for {@code message}, or null when the job does not use messages of its kind. */
    protected abstract T accepted(DeviceMessage message);

    protected abstract T rejected(DeadLetter deadLetter);

    /** The kinds the job uses, for the dead letter of a message of another kind. */
    protected abstract String expectedKinds();

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        codec = DeviceMessageCodec.withDefaults();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<T> out) {
        out.collect(toRecord(record));
    }

    public T toRecord(ConsumerRecord<byte[], byte[]> record) {
        if (codec == null) {
            codec = DeviceMessageCodec.withDefaults();
        }
        ParseResult result = record.value() == null
                ? new ParseResult.Rejected(EMPTY_RECORD) : codec.decode(record.value());
        if (result instanceof ParseResult.Rejected rejected) {
            return rejected(deadLetter(record, rejected.rejection()));
        }
        T accepted = accepted(((ParseResult.Accepted) result).message());
        return accepted != null ? accepted
                : rejected(deadLetter(record, new Rejection(RejectReason.INVALID_VALUE, "not " + expectedKinds())));
    }

    private DeadLetter deadLetter(ConsumerRecord<byte[], byte[]> record, Rejection rejection) {
        return deadLetter(jobName, record, rejection);
    }

    /** The dead letter of a record {@code jobName} refused: its reason, its topic-partition@offset, its raw bytes. */
    static DeadLetter deadLetter(String jobName, ConsumerRecord<byte[], byte[]> record, Rejection rejection) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        String origin = record.topic() + "-" + record.partition() + "@" + record.offset();
        return DeadLetter.of(Instant.now(), jobName, rejection, origin, key, record.value());
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return TypeInformation.of(type);
    }
}
