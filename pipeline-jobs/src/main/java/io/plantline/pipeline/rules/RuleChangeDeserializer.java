package io.plantline.pipeline.rules;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Reads {@code factory.rules} as key and raw value; a record without a key names nothing and is skipped. */
public final class RuleChangeDeserializer implements KafkaRecordDeserializationSchema<RuleChange> {

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RuleChange> out) {
        if (record.key() != null) {
            out.collect(new RuleChange(new String(record.key(), StandardCharsets.UTF_8), record.value()));
        }
    }

    @Override
    public TypeInformation<RuleChange> getProducedType() {
        return TypeInformation.of(RuleChange.class);
    }
}
