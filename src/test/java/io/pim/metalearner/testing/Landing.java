package io.pim.metalearner.testing;

import io.pim.metalearner.config.RegistryClientConfig;
import io.pim.metalearner.sink.WriterConfig;
import io.pim.metalearner.tools.embedded.EmbeddedDatabase;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import io.pim.metalearner.kafka.AvroSerdes;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.util.PGobject;

import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Test plumbing for landing records: the writer's topics, producing a trade history, reading tables back. */
public final class Landing {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Landing() {
    }

    /** The writer's topics with a suffix, so tests sharing a broker don't share topics. */
    public static WriterConfig.Topics topics(String suffix) {
        return new WriterConfig.Topics("training-log-" + suffix, "agent-performance-" + suffix,
                "weight-snapshots-" + suffix, "checkpoints-" + suffix, "commands-" + suffix, "command-results-" + suffix,
                "dead-letter-" + suffix);
    }

    /** Creates the writer's topics and returns once each partition has a leader. */
    public static void createTopics(TestKafka kafka, WriterConfig.Topics topics) throws Exception {
        kafka.createTopics(
                new NewTopic(topics.trainingLog(), 1, (short) 1),
                new NewTopic(topics.agentPerformance(), 3, (short) 1),
                new NewTopic(topics.weightSnapshots(), 1, (short) 1),
                new NewTopic(topics.checkpoints(), 2, (short) 1),
                new NewTopic(topics.commands(), 2, (short) 1),
                new NewTopic(topics.commandResults(), 2, (short) 1),
                new NewTopic(topics.deadLetter(), 1, (short) 1));
    }

    public static KafkaProducer<String, SpecificRecord> producer(String bootstrapServers, String registryUrl) {
        return producer(bootstrapServers, registryUrl, Map.of());
    }

    private static KafkaProducer<String, SpecificRecord> producer(String bootstrapServers, String registryUrl,
                                                                 Map<String, Object> extra) {
        AvroKafkaSerializer<SpecificRecord> serializer = new AvroKafkaSerializer<>();
        serializer.configure(AvroSerdes.config(RegistryClientConfig.anonymous(registryUrl)), false);
        Map<String, Object> config = TestProducers.config(bootstrapServers);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.putAll(extra);
        return new KafkaProducer<>(config, new StringSerializer(), serializer);
    }

    /** Steps per transaction, as the exactly-once stream commits them (a few per commit interval). */
    private static final int STEPS_PER_TRANSACTION = 100;

    /**
     * Sends each step's records in the stream's order (the log row, the agents' rows, the
     * snapshot), in transactions as the exactly-once stream does, so readers meet commit markers.
     * After the first transaction, one more with ghost rows (a step a million ahead, agent
     * figures from the far future) is aborted: a read_committed reader never lands them, and any
     * test that counts rows or checks the final figures notices if one does. Every send is
     * checked: a record the broker did not take fails the caller at once.
     */
    public static void produce(String bootstrapServers, String registryUrl, WriterConfig.Topics topics,
                               List<TradeHistory.Step> steps) {
        try (KafkaProducer<String, SpecificRecord> producer = producer(bootstrapServers, registryUrl,
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "landing-" + UUID.randomUUID()))) {
            producer.initTransactions();
            for (int from = 0; from < steps.size(); from += STEPS_PER_TRANSACTION) {
                producer.beginTransaction();
                TestProducers.Sends<String, SpecificRecord> committed = TestProducers.checked(producer);
                for (TradeHistory.Step step : steps.subList(from, Math.min(steps.size(), from + STEPS_PER_TRANSACTION))) {
                    send(committed, topics, step);
                }
                producer.commitTransaction();
                committed.awaitAll();
                if (from == 0) {
                    producer.beginTransaction();
                    TestProducers.Sends<String, SpecificRecord> aborted = TestProducers.checked(producer);
                    send(aborted, topics, ghost(steps.get(0)));
                    aborted.awaitAll(); // on the log, so that aborting them really leaves them there, unread
                    producer.abortTransaction();
                }
            }
        }
    }

    private static void send(TestProducers.Sends<String, SpecificRecord> sends, WriterConfig.Topics topics, TradeHistory.Step step) {
        String model = step.log().getModelId();
        sends.send(new ProducerRecord<>(topics.trainingLog(), model, step.log()));
        for (AgentPerformance agent : step.performance()) {
            sends.send(new ProducerRecord<>(topics.agentPerformance(), model + ":" + agent.getAgentId(), agent));
        }
        if (step.snapshot() != null) sends.send(new ProducerRecord<>(topics.weightSnapshots(), model, step.snapshot()));
    }

    /** Rows that would win every upsert and show in every count, if they ever landed. */
    private static TradeHistory.Step ghost(TradeHistory.Step step) {
        long farAhead = 1_000_000;
        TrainingLog log = TrainingLog.newBuilder(step.log()).setTrainingStep(step.log().getTrainingStep() + farAhead)
                .setDecisionId("aborted-" + step.log().getDecisionId()).setSourceOffset(step.log().getSourceOffset() + farAhead).build();
        List<AgentPerformance> agents = step.performance().stream().map(a -> AgentPerformance.newBuilder(a)
                .setTrainingStep(a.getTrainingStep() + farAhead).setCurrentWeight(-1).setSourceOffset(a.getSourceOffset() + farAhead)
                .build()).toList();
        WeightSnapshot snapshot = WeightSnapshot.newBuilder().setModelId(log.getModelId()).setTrainingStep(log.getTrainingStep())
                .setTimestamp(log.getTimestamp()).setAgentWeights("{}").setTrainingLoss(-1).setPredictionAccuracy(-1)
                .setSourceOffset(log.getSourceOffset()).build();
        return new TradeHistory.Step(log, agents, snapshot);
    }

    public static WriterConfig writerConfig(TestKafka kafka, String registryUrl, String jdbcUrl,
                                            WriterConfig.Topics topics, String group) {
        return WriterConfig.of(kafka.bootstrapServers(), registryUrl, jdbcUrl, EmbeddedDatabase.USER,
                EmbeddedDatabase.PASSWORD).withGroupId(group).withTopics(topics);
    }

    /** The group's committed offsets (what a restarted writer would read from). */
    public static Map<TopicPartition, Long> committedOffsets(String bootstrapServers, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Map<TopicPartition, Long> offsets = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .forEach((partition, offset) -> offsets.put(partition, offset.offset()));
            return offsets;
        }
    }

    /** Reads the dead letters on a topic until {@code expected} have come (or two minutes have passed). */
    public static List<DeadLetter> readDeadLetters(String bootstrapServers, String registryUrl, String topic, int expected) {
        AvroKafkaDeserializer<DeadLetter> deserializer = new AvroKafkaDeserializer<>();
        deserializer.configure(AvroSerdes.config(RegistryClientConfig.anonymous(registryUrl)), false);
        try (KafkaConsumer<byte[], DeadLetter> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "dead-letter-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(), deserializer)) {
            consumer.subscribe(List.of(topic));
            List<DeadLetter> letters = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (letters.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> letters.add(r.value()));
            }
            return letters;
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public static List<Long> rowOfLongs(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).map((rs, ctx) -> {
            List<Long> row = new ArrayList<>();
            for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) row.add(rs.getLong(c));
            return row;
        }).one());
    }

    public static List<Long> column(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).list());
    }

    public static Jdbi jdbi(String jdbcUrl) {
        return Jdbi.create(jdbcUrl, EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD);
    }

    /**
     * A whole table in primary-key order, each row a column -> value map with JSONB as a parsed
     * JSON tree and timestamps as instants, so two databases compare as data, not as text.
     */
    public static List<Map<String, Object>> dump(Jdbi jdbi, String table) {
        String order = table.equals("agent_performance") ? "model_id, agent_id" : "model_id, training_step";
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM " + table + " ORDER BY " + order)
                .map((rs, ctx) -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
                        Object value = rs.getObject(c);
                        if (value instanceof PGobject json && json.getType().startsWith("json")) {
                            try {
                                value = JSON.readTree(json.getValue());
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        } else if (value instanceof Timestamp ts) {
                            value = ts.toInstant();
                        } else if (value instanceof OffsetDateTime odt) {
                            value = odt.toInstant();
                        }
                        row.put(rs.getMetaData().getColumnName(c), value);
                    }
                    return row;
                }).collect(java.util.stream.Collectors.toCollection(ArrayList::new)));
    }
}
