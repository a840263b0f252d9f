package io.plantline.pipeline.ingest;

import io.plantline.model.DeadLetter;
import io.plantline.model.TelemetryReading;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.ParseResult;
import io.plantline.model.json.RejectReason;
import io.plantline.model.json.Rejection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns a {@code factory.telemetry} record into a device reading, validated by the same codec as the bridge;
 * anything else becomes a rejected record, so the job never fails on bad input and loses none of it.
 */
public final class TelemetryDeserializer implements KafkaRecordDeserializationSchema<TelemetryRecord> {

    private final String jobName;
    private transient DeviceMessageCodec codec;

    public TelemetryDeserializer(String jobName) {
        this.jobName = jobName;
    }

    @Override
    public void open(org.apache.flink.api.common.serialization.DeserializationSchema.InitializationContext context) {
        codec = DeviceMessageCodec.withDefaults();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<TelemetryRecord> out) {
        out.collect(toTelemetryRecord(record));
    }

    TelemetryRecord toTelemetryRecord(ConsumerRecord<byte[], byte[]> record) {
        if (codec == null) {
            codec = DeviceMessageCodec.withDefaults();
        }
        ParseResult result = record.value() == null
                ? new ParseResult.Rejected(new Rejection(RejectReason.MALFORMED_JSON, "empty record"))
                : codec.decode(record.value());
        if (result instanceof ParseResult.Rejected rejected) {
            return TelemetryRecord.rejected(deadLetter(record, rejected.rejection()));
        }
        if (!(((ParseResult.Accepted) result).message() instanceof TelemetryReading reading)) {
            return TelemetryRecord.rejected(deadLetter(record,
                    new Rejection(RejectReason.INVALID_VALUE, "not a telemetry reading")));
        }
        String[] metrics = new String[reading.metrics().size()];
        double[] values = new double[metrics.length];
        int i = 0;
        for (Map.Entry<String, Double> metric : reading.metrics().entrySet()) {
            metrics[i] = metric.getKey();
            values[i++] = metric.getValue();
        }
        return TelemetryRecord.accepted(new DeviceReading(reading.device().orgSlug(), reading.device().deviceId(),
                reading.ts().toEpochMilli(), metrics, values));
    }

    private DeadLetter deadLetter(ConsumerRecord<byte[], byte[]> record, Rejection rejection) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        String origin = record.topic() + "-" + record.partition() + "@" + record.offset();
        return DeadLetter.of(Instant.now(), jobName, rejection, origin, key, record.value());
    }

    @Override
    public TypeInformation<TelemetryRecord> getProducedType() {
        return TypeInformation.of(TelemetryRecord.class);
    }
}
