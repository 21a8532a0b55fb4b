package io.pim.metalearner.sink;

import io.pim.metalearner.config.RegistryClientConfig;
import io.pim.metalearner.testing.TradeHistory;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decoder alone: records in, rows and dead letters out. No broker and no database; the
 * registry is a stub that knows four content ids.
 */
class BatchDecoderTest {
    private static final String MODEL = "default";
    private static final WriterConfig.Topics TOPICS = WriterConfig.Topics.DEFAULT;
    private static final int TRAINING_LOG_ID = 1;
    private static final int AGENT_PERFORMANCE_ID = 2;
    private static final int WEIGHT_SNAPSHOT_ID = 3;
    private static final int TRAINING_LOG_WITHOUT_LOSS_ID = 4;
    private static final Schema TRAINING_LOG_WITHOUT_LOSS = withoutField(TrainingLog.getClassSchema(), "loss");

    // the generic record borrows its values from a generated one, so its timestamp is an Instant
    private static final GenericData GENERIC = new GenericData();

    static {
        GENERIC.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    }

    private static HttpServer registry;
    private static String registryApiUrl;

    @BeforeAll
    static void startStubRegistry() throws IOException {
        Map<Integer, Schema> schemas = Map.of(TRAINING_LOG_ID, TrainingLog.getClassSchema(),
                AGENT_PERFORMANCE_ID, AgentPerformance.getClassSchema(), WEIGHT_SNAPSHOT_ID, WeightSnapshot.getClassSchema(),
                TRAINING_LOG_WITHOUT_LOSS_ID, TRAINING_LOG_WITHOUT_LOSS);
        registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        registry.createContext("/apis/registry/v3/ids/contentIds/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.endsWith("/references")) { // as Apicurio answers for a schema without nested artifacts
                answer(exchange, 200, "[]");
                return;
            }
            Schema schema = schemas.get(Integer.parseInt(path.substring(path.lastIndexOf('/') + 1)));
            answer(exchange, schema == null ? 404 : 200, schema == null ? "{}" : schema.toString());
        });
        registry.createContext("/apis/registry/v3/system/info", exchange -> answer(exchange, 200, "{}"));
        registry.start();
        registryApiUrl = "http://127.0.0.1:" + registry.getAddress().getPort() + "/apis/registry/v3";
    }

    @AfterAll
    static void stopStubRegistry() {
        if (registry != null) registry.stop(0);
    }

    private static Batch decode(List<ConsumerRecord<byte[], byte[]>> records) {
        return new BatchDecoder(TOPICS, new AvroRecordReader(RegistryClientConfig.anonymous(registryApiUrl))).decode(records);
    }

    @Test
    void goodRecordsBecomeRowsTheNewestPerKeyWinning() {
        // given: ten steps, so nine agents' figures ten times over and one snapshot
        List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 10, 1);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (TradeHistory.Step step : steps) {
            records.add(record(TOPICS.trainingLog(), records.size(), TRAINING_LOG_ID, step.log()));
            for (AgentPerformance agent : step.performance()) {
                records.add(record(TOPICS.agentPerformance(), records.size(), AGENT_PERFORMANCE_ID, agent));
            }
            if (step.snapshot() != null) records.add(record(TOPICS.weightSnapshots(), records.size(), WEIGHT_SNAPSHOT_ID, step.snapshot()));
        }

        // when
        Batch batch = decode(records);

        // then
        assertThat(batch.deadLetters).isEmpty();
        assertThat(Batch.rows(batch.trainingLogs)).containsExactlyElementsOf(steps.stream().map(TradeHistory.Step::log).toList());
        assertThat(Batch.rows(batch.agentPerformance)).containsExactlyInAnyOrderElementsOf(steps.get(9).performance());
        assertThat(Batch.rows(batch.weightSnapshots)).containsExactly(steps.get(9).snapshot());
        assertThat(batch.records).as("every record that became a row, superseded ones too").isEqualTo(10 + 90 + 1);
    }

    @Test
    void bytesThatAreNotAvroAreDeadLetteredAsUnreadableWithTheirOriginalBytes() {
        // given
        byte[] notAvro = "not avro at all".getBytes(StandardCharsets.UTF_8);
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(TOPICS.trainingLog(), 2, 17, MODEL.getBytes(), notAvro);

        // when
        Batch batch = decode(List.of(record));

        // then
        assertThat(batch.trainingLogs).isEmpty();
        assertThat(batch.records).isZero();
        assertThat(batch.deadLetters).singleElement().satisfies(letter -> {
            assertThat(letter.getReason()).isEqualTo("unreadable");
            assertThat(letter.getDetail()).contains("not Confluent-framed Avro").contains(TOPICS.trainingLog());
            assertThat(letter.getSourceTopic()).isEqualTo(TOPICS.trainingLog());
            assertThat(letter.getSourcePartition()).isEqualTo(2);
            assertThat(letter.getSourceOffset()).isEqualTo(17);
            assertThat(letter.getKey()).isEqualTo(ByteBuffer.wrap(MODEL.getBytes()));
            assertThat(letter.getValue()).isEqualTo(ByteBuffer.wrap(notAvro));
        });
    }

    @Test
    void aContentIdTheRegistryDoesNotKnowIsDeadLetteredAsUnknownSchema() {
        // given: framed like Avro, with a content id the registry never gave out
        byte[] value = {0, 0x7f, 0, 0, 1, 2, 4, 6};

        // when
        Batch batch = decode(List.of(new ConsumerRecord<>(TOPICS.trainingLog(), 0, 0, MODEL.getBytes(), value)));

        // then
        assertThat(batch.deadLetters).singleElement().satisfies(letter -> {
            assertThat(letter.getReason()).isEqualTo("unknown-schema");
            assertThat(letter.getDetail()).contains("does not know content id " + 0x7f000001);
        });
    }

    @Test
    void aRecordMissingARequiredFieldIsDeadLetteredAsUnreadable() {
        // given: a training log written with a schema that has no loss, which the table needs
        GenericRecord withoutLoss = new GenericData.Record(TRAINING_LOG_WITHOUT_LOSS);
        TrainingLog log = TradeHistory.generate(MODEL, 1, 2).get(0).log();
        for (Schema.Field field : TRAINING_LOG_WITHOUT_LOSS.getFields()) withoutLoss.put(field.name(), log.get(field.name()));
        byte[] value = framed(TRAINING_LOG_WITHOUT_LOSS_ID, TRAINING_LOG_WITHOUT_LOSS, withoutLoss);

        // when
        Batch batch = decode(List.of(new ConsumerRecord<>(TOPICS.trainingLog(), 0, 0, MODEL.getBytes(), value)));

        // then
        assertThat(batch.trainingLogs).isEmpty();
        assertThat(batch.deadLetters).singleElement().satisfies(letter -> {
            assertThat(letter.getReason()).isEqualTo("unreadable");
            assertThat(letter.getDetail()).contains("Avro decoding failed").contains("loss");
        });
    }

    @Test
    void votesThatAreNotAJsonObjectAreDeadLetteredAsInvalidJson() {
        // given
        TrainingLog step = TradeHistory.generate(MODEL, 1, 3).get(0).log();
        TrainingLog notJson = TrainingLog.newBuilder(step).setAgentVotes("{\"technical\": LONG").build();
        TrainingLog anArray = TrainingLog.newBuilder(step).setAgentVotes("[1, 2]").build();

        // when
        Batch batch = decode(List.of(record(TOPICS.trainingLog(), 0, TRAINING_LOG_ID, notJson),
                record(TOPICS.trainingLog(), 1, TRAINING_LOG_ID, anArray)));

        // then
        assertThat(batch.trainingLogs).isEmpty();
        assertThat(batch.deadLetters).extracting(DeadLetter::getReason).containsExactly("invalid-json", "invalid-json");
        assertThat(batch.deadLetters.get(1).getDetail()).isEqualTo("agent_votes is not a JSON object");
    }

    @Test
    void aRecordOfAnotherTypeOnATopicIsDeadLetteredAsWrongType() {
        // given: a weight snapshot on the training-log topic
        WeightSnapshot snapshot = TradeHistory.generate(MODEL, 10, 4).get(9).snapshot();

        // when
        Batch batch = decode(List.of(record(TOPICS.trainingLog(), 0, WEIGHT_SNAPSHOT_ID, snapshot)));

        // then
        assertThat(batch.deadLetters).singleElement().satisfies(letter -> {
            assertThat(letter.getReason()).isEqualTo("wrong-type");
            assertThat(letter.getDetail()).contains("WeightSnapshot");
        });
    }

    @Test
    void aTombstoneIsDeadLetteredAsUnreadableAndTheRecordsAroundItBecomeRows() {
        // given
        List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 2, 5);

        // when
        Batch batch = decode(List.of(record(TOPICS.trainingLog(), 0, TRAINING_LOG_ID, steps.get(0).log()),
                new ConsumerRecord<>(TOPICS.trainingLog(), 0, 1, MODEL.getBytes(), null),
                record(TOPICS.trainingLog(), 2, TRAINING_LOG_ID, steps.get(1).log())));

        // then
        assertThat(Batch.rows(batch.trainingLogs)).containsExactly(steps.get(0).log(), steps.get(1).log());
        assertThat(batch.records).isEqualTo(2);
        assertThat(batch.deadLetters).singleElement().satisfies(letter -> {
            assertThat(letter.getReason()).isEqualTo("unreadable");
            assertThat(letter.getDetail()).contains("tombstone");
            assertThat(letter.getValue()).isNull();
        });
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, long offset, int contentId, SpecificRecord value) {
        return new ConsumerRecord<>(topic, 0, offset, MODEL.getBytes(), framed(contentId, value.getSchema(), value));
    }

    /** Confluent framing, as the Apicurio serializer writes it: 0x00, the 4-byte content id, Avro binary. */
    private static byte[] framed(int contentId, Schema schema, Object value) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0);
            out.write(ByteBuffer.allocate(4).putInt(contentId).array());
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            DatumWriter<Object> writer = value instanceof SpecificRecord
                    ? new SpecificDatumWriter<>(schema) : new GenericDatumWriter<>(schema, GENERIC);
            writer.write(value, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Schema withoutField(Schema schema, String name) {
        List<Schema.Field> fields = schema.getFields().stream().filter(f -> !f.name().equals(name))
                .map(f -> new Schema.Field(f, f.schema())).toList();
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
