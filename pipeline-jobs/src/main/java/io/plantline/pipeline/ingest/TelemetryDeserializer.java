package io.plantline.pipeline.ingest;

import io.plantline.model.DeviceRef;
import io.plantline.model.json.DeviceMessageCodec;
import io.plantline.model.json.Rejection;
import io.plantline.model.json.TelemetryRecordDecoder;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns a {@code factory.telemetry} record into a device reading, or a rejected record carrying the dead letter.
 * It decodes straight into {@link DeviceReading} with {@link TelemetryRecordDecoder}, which accepts and refuses
 * exactly what the bridge's codec does, without building the codec's message on the way. Never throws.
 */
public final class TelemetryDeserializer implements KafkaRecordDeserializationSchema<TelemetryRecord> {

    private final String jobName;
    private transient TelemetryRecordDecoder decoder;

    public TelemetryDeserializer(String jobName) {
        this.jobName = jobName;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        decoder = new TelemetryRecordDecoder(DeviceMessageCodec.withDefaults());
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<TelemetryRecord> out) {
        out.collect(toRecord(record));
    }

    public TelemetryRecord toRecord(ConsumerRecord<byte[], byte[]> record) {
        if (decoder == null) {
            decoder = new TelemetryRecordDecoder(DeviceMessageCodec.withDefaults());
        }
        if (record.value() == null) {
            return rejected(record, DeviceRecordDeserializer.EMPTY_RECORD);
        }
        return decoder.decode(record.value(), new TelemetryRecordDecoder.Readings<>() {
            @Override
            public TelemetryRecord reading(DeviceRef device, long tsMillis, String[] metrics, double[] values,
                                           long messageKey) {
                return TelemetryRecord.accepted(new DeviceReading(device.orgSlug(), device.deviceId(), tsMillis,
                        metrics, values, messageKey));
            }

            @Override
            public TelemetryRecord rejected(Rejection rejection) {
                return TelemetryDeserializer.this.rejected(record, rejection);
            }
        });
    }

    private TelemetryRecord rejected(ConsumerRecord<byte[], byte[]> record, Rejection rejection) {
        return TelemetryRecord.rejected(DeviceRecordDeserializer.deadLetter(jobName, record, rejection));
    }

    @Override
    public TypeInformation<TelemetryRecord> getProducedType() {
        return TypeInformation.of(TelemetryRecord.class);
    }
}
