package io.plantline.model.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import io.plantline.model.DeviceRef;
import io.plantline.model.Limits;
import io.plantline.model.MessageId;
import io.plantline.model.MessageKind;
import io.plantline.model.TelemetryReading;
import io.plantline.model.json.DeviceMessageCodec.Refusal;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a {@code factory.telemetry} record (the Kafka form {@link DeviceMessageCodec#encode} writes) in one streaming
 * pass straight into what a job keeps of a reading: its metric names sorted, their values alongside, and the key of
 * its identity ({@link MessageId#key}). It accepts and refuses exactly what {@link DeviceMessageCodec#decode} does,
 * with the same reasons and details: the whole record is read first (bad JSON anywhere is refused as such), then the
 * codec's checks run in the codec's order. Records of another kind are answered through the codec.
 * The analytics job reads every reading; a tree, a map sorted into a second map and a {@link TelemetryReading} for
 * each were most of its source's work.
 */
public final class TelemetryRecordDecoder {

    /** What a caller builds from a record: a reading, or the reason there is none. */
    public interface Readings<T> {

        /** {@code metrics} sorted by name, {@code values} alongside; {@code tsMillis} the reading's event time. */
        T reading(DeviceRef device, long tsMillis, String[] metrics, double[] values, long messageKey);

        T rejected(Rejection rejection);
    }

    private static final Rejection NOT_TELEMETRY = new Rejection(RejectReason.INVALID_VALUE, "not a telemetry reading");

    private final DeviceMessageCodec codec;
    private final JsonFactory json;

    public TelemetryRecordDecoder(DeviceMessageCodec codec) {
        this.codec = codec;
        this.json = codec.jsonFactory();
    }

    /** Never throws: every record becomes a reading or a rejection. */
    public <T> T decode(byte[] kafkaValue, Readings<T> readings) {
        try {
            codec.checkSize(kafkaValue);
            Fields fields = read(kafkaValue);
            DeviceRef device = DeviceMessageCodec.deviceRef(fields.text(DeviceMessageCodec.ORG, fields.org),
                    fields.text(DeviceMessageCodec.DEVICE, fields.device));
            MessageKind kind = DeviceMessageCodec.kind(fields.text(DeviceMessageCodec.KIND, fields.kind));
            if (kind != MessageKind.TELEMETRY) {
                // Another kind in the telemetry topic: its own checks decide the reason, as in the codec.
                return codec.decode(kafkaValue) instanceof ParseResult.Rejected rejected
                        ? readings.rejected(rejected.rejection()) : readings.rejected(NOT_TELEMETRY);
            }
            Instant receivedAt = fields.time(DeviceMessageCodec.RECEIVED_AT, fields.receivedAt);
            MessageId id = DeviceMessageCodec.storedId(
                    fields.optionalText(DeviceMessageCodec.MSG_ID, fields.msgId, MessageId.MAX_MSG_ID_CHARS),
                    fields.optionalText(DeviceMessageCodec.DIGEST, fields.digest, MessageId.DIGEST_CHARS));
            Instant ts = fields.time(DeviceMessageCodec.TS, fields.ts);
            codec.checkRange(ts, receivedAt);
            fields.checkMetrics();
            fields.sortMetrics();
            if (!id.isKnown()) {
                // Records of earlier versions carry no identity: their content stands in for the device's bytes.
                id = codec.contentId(new TelemetryReading(device, ts, receivedAt, fields.metricMap()));
            }
            return readings.reading(device, ts.toEpochMilli(), fields.names, fields.values, id.key(kind));
        } catch (Refusal refusal) {
            return readings.rejected(refusal.rejection());
        } catch (IllegalArgumentException e) {
            // The records' own checks are the last line; reaching one means a check above missed a case.
            return readings.rejected(
                    new Rejection(RejectReason.INVALID_VALUE, DeviceMessageCodec.abbreviate(e.getMessage())));
        }
    }

    private Fields read(byte[] bytes) {
        Fields fields = new Fields();
        try (JsonParser parser = json.createParser(bytes)) {
            JsonToken root = parser.nextToken();
            if (root == JsonToken.START_OBJECT) {
                readObject(parser, fields);
            } else if (root != null) {
                skipValue(parser);
            }
            // As the codec's mapper does with FAIL_ON_TRAILING_TOKENS, in its words.
            JsonToken trailing = root == null ? null : parser.nextToken();
            if (trailing != null) {
                throw DeviceMessageCodec.malformed(new IOException("Trailing token (of type " + trailing
                        + ") found after value (bound as `com.fasterxml.jackson.databind.JsonNode`): not allowed as per"
                        + " `DeserializationFeature.FAIL_ON_TRAILING_TOKENS`"));
            }
            if (root != JsonToken.START_OBJECT) {
                throw DeviceMessageCodec.notAnObject();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof Refusal refusal) {
                throw refusal;
            }
            throw DeviceMessageCodec.malformed(e);
        }
        return fields;
    }

    private static void readObject(JsonParser parser, Fields fields) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken token = parser.nextToken();
            switch (name) {
                case DeviceMessageCodec.ORG -> fields.org = Scalar.read(parser, token);
                case DeviceMessageCodec.DEVICE -> fields.device = Scalar.read(parser, token);
                case DeviceMessageCodec.KIND -> fields.kind = Scalar.read(parser, token);
                case DeviceMessageCodec.TS -> fields.ts = Scalar.read(parser, token);
                case DeviceMessageCodec.RECEIVED_AT -> fields.receivedAt = Scalar.read(parser, token);
                case DeviceMessageCodec.MSG_ID -> fields.msgId = Scalar.read(parser, token);
                case DeviceMessageCodec.DIGEST -> fields.digest = Scalar.read(parser, token);
                case DeviceMessageCodec.METRICS -> fields.readMetrics(parser, token);
                default -> skipValue(parser);
            }
        }
    }

    /**
     * Reads over a value the record does not use, materialising its strings and numbers as a tree would, so that a
     * value the tree refuses (bad UTF-8, a number beyond the limits) is refused here too.
     */
    private static void skipValue(JsonParser parser) throws IOException {
        int depth = 0;
        JsonToken token = parser.currentToken();
        while (true) {
            if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                depth++;
            } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                depth--;
            } else if (token == JsonToken.VALUE_STRING) {
                parser.getText();
            } else if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
                parser.getNumberValue();
            }
            if (depth == 0) {
                return;
            }
            token = parser.nextToken();
        }
    }

    private static JsonNodeType nodeType(JsonToken token) {
        return switch (token) {
            case START_OBJECT -> JsonNodeType.OBJECT;
            case START_ARRAY -> JsonNodeType.ARRAY;
            case VALUE_STRING -> JsonNodeType.STRING;
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> JsonNodeType.NUMBER;
            case VALUE_TRUE, VALUE_FALSE -> JsonNodeType.BOOLEAN;
            case VALUE_NULL -> JsonNodeType.NULL;
            default -> JsonNodeType.POJO;
        };
    }

    /** The numeric value a tree node would give: ints and longs exactly, big integers and decimals as doubles. */
    private static double numberValue(JsonParser parser, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_FLOAT) {
            return parser.getDoubleValue();
        }
        return switch (parser.getNumberType()) {
            case INT -> parser.getIntValue();
            case LONG -> parser.getLongValue();
            default -> parser.getBigIntegerValue().doubleValue();
        };
    }

    /**
     * One top-level value as the parser saw it, kept until the checks run: its type, its text if a string, and its
     * value if a whole number that fits a long. A JSON null is no value, as in the codec.
     */
    private record Scalar(JsonNodeType type, String text, boolean isLong, long number) {

        static Scalar read(JsonParser parser, JsonToken token) throws IOException {
            if (token == JsonToken.VALUE_NULL) {
                return null;
            }
            JsonNodeType type = nodeType(token);
            if (token == JsonToken.VALUE_STRING) {
                return new Scalar(type, parser.getText(), false, 0);
            }
            if (token == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                return new Scalar(type, null, true, parser.getLongValue());
            }
            skipValue(parser);
            return new Scalar(type, null, false, 0);
        }
    }

    /** The fields of one record, and its first metric problem in document order, judged once the record is read. */
    private static final class Fields {
        Scalar org;
        Scalar device;
        Scalar kind;
        Scalar ts;
        Scalar receivedAt;
        Scalar msgId;
        Scalar digest;
        JsonNodeType metricsType;
        int metricCount;
        String[] names = new String[8];
        double[] values = new double[8];
        Refusal metricProblem;

        void readMetrics(JsonParser parser, JsonToken token) throws IOException {
            if (token == JsonToken.VALUE_NULL) {
                metricsType = null;
                return;
            }
            metricsType = nodeType(token);
            if (token != JsonToken.START_OBJECT) {
                skipValue(parser);
                return;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                JsonNodeType type = nodeType(value);
                double number = type == JsonNodeType.NUMBER ? numberValue(parser, value) : 0;
                if (type != JsonNodeType.NUMBER) {
                    skipValue(parser);
                }
                metric(name, type, number);
            }
        }

        private void metric(String name, JsonNodeType type, double number) {
            int index = metricCount++;
            if (metricProblem != null || metricCount > Limits.MAX_METRICS_PER_READING) {
                return;
            }
            try {
                number = DeviceMessageCodec.metricValue(name, type, number);
            } catch (Refusal refusal) {
                metricProblem = refusal;
                return;
            }
            if (index == names.length) {
                names = Arrays.copyOf(names, index * 2);
                values = Arrays.copyOf(values, index * 2);
            }
            names[index] = name;
            values[index] = number;
        }

        void checkMetrics() {
            if (metricsType == null) {
                throw DeviceMessageCodec.missing(DeviceMessageCodec.METRICS);
            }
            DeviceMessageCodec.checkMetrics(metricsType, metricCount);
            if (metricProblem != null) {
                throw metricProblem;
            }
        }

        /** By name, as the reading's sorted map orders them; a few metrics, so an insertion sort. */
        void sortMetrics() {
            names = names.length == metricCount ? names : Arrays.copyOf(names, metricCount);
            values = values.length == metricCount ? values : Arrays.copyOf(values, metricCount);
            for (int i = 1; i < metricCount; i++) {
                String name = names[i];
                double value = values[i];
                int j = i - 1;
                while (j >= 0 && names[j].compareTo(name) > 0) {
                    names[j + 1] = names[j];
                    values[j + 1] = values[j];
                    j--;
                }
                names[j + 1] = name;
                values[j + 1] = value;
            }
        }

        Map<String, Double> metricMap() {
            Map<String, Double> metrics = new LinkedHashMap<>();
            for (int i = 0; i < metricCount; i++) {
                metrics.put(names[i], values[i]);
            }
            return metrics;
        }

        String text(String field, Scalar value) {
            if (value == null) {
                throw DeviceMessageCodec.missing(field);
            }
            if (value.type() != JsonNodeType.STRING) {
                throw DeviceMessageCodec.notText(field, value.type());
            }
            return value.text();
        }

        String optionalText(String field, Scalar value, int maxChars) {
            return value == null ? null : DeviceMessageCodec.checkLength(field, text(field, value), maxChars);
        }

        Instant time(String field, Scalar value) {
            if (value == null) {
                throw DeviceMessageCodec.missing(field);
            }
            if (value.isLong()) {
                return DeviceMessageCodec.epochMillis(field, value.number());
            }
            if (value.type() == JsonNodeType.STRING) {
                return DeviceMessageCodec.isoTime(field, value.text());
            }
            throw DeviceMessageCodec.notATime(field, value.type());
        }
    }
}
