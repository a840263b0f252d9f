package io.plantline.pipeline.rules;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads {@code factory.rules} as key and raw value with the record's position; a record without a key names nothing
 * and comes with an empty key, which every reader skips, so that {@link RulesCaughtUp} still sees its position.
 */
public final class RuleChangeDeserializer implements KafkaRecordDeserializationSchema<RuleChange> {

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RuleChange> out) {
        String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        out.collect(new RuleChange(key, record.value(), record.partition(), record.offset()));
    }

    @Override
    public TypeInformation<RuleChange> getProducedType() {
        return TypeInformation.of(RuleChange.class);
    }
}
