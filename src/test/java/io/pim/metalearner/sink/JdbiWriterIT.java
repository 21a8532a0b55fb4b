package io.pim.metalearner.sink;

import io.pim.metalearner.testing.Landing;
import io.pim.metalearner.testing.TradeHistory;
import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.PostgresExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TestNames;
import io.pim.metalearner.testing.TestPostgres;
import io.pim.metalearner.testing.TestProducers;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.pim.metalearner.testing.TestProducers.sendAndWait;
import static org.assertj.core.api.Assertions.assertThat;

/** The JDBI writer on a real broker, a real Apicurio registry and a real PostgreSQL (the shared ones). */
@ExtendWith({KafkaExtension.class, RegistryExtension.class, PostgresExtension.class})
class JdbiWriterIT {
    private static final String MODEL = "default";
    private static final Duration CATCH_UP = Duration.ofSeconds(60);

    private static TestKafka broker;
    private static EmbeddedRegistry registry;
    private static TestPostgres postgres;

    // the 1,000-trade run landed once for the whole class
    private static final List<TradeHistory.Step> history = TradeHistory.generate(MODEL, 1_000, 42);
    private static WriterConfig.Topics landedTopics;
    private static String landedDatabase;

    private static String landedGroup;

    @BeforeAll
    static void landOneThousandTrades(TestKafka kafka, EmbeddedRegistry sharedRegistry, TestPostgres server) throws Exception {
        broker = kafka;
        registry = sharedRegistry;
        postgres = server;

        landedGroup = TestNames.unique("landed");
        landedTopics = Landing.topics(landedGroup);
        Landing.createTopics(broker, landedTopics);
        landedDatabase = postgres.createDatabase("landed").jdbcUrl();
        Landing.produce(broker.bootstrapServers(), registry.apiUrl(), landedTopics, history);
        try (JdbiWriter writer = JdbiWriter.start(config(landedDatabase, landedTopics, landedGroup))) {
            writer.awaitCaughtUp(CATCH_UP);
        }
    }

    private static WriterConfig config(String jdbcUrl, WriterConfig.Topics topics, String group) {
        return Landing.writerConfig(broker, registry.apiUrl(), jdbcUrl, topics, group);
    }

    @Test
    void oneThousandTradesLandAsOneRowPerStepOneRowPerAgentAndASnapshotEveryTenSteps() {
        Jdbi db = Landing.jdbi(landedDatabase);

        // then: training log steps 1..1000, each once
        assertThat(Landing.rowOfLongs(db, "SELECT count(*), count(DISTINCT training_step), min(training_step), max(training_step) FROM metalearner_training_log"))
                .containsExactly(1_000L, 1_000L, 1L, 1_000L);
        // then: one agent row per agent, equal to the final figures
        List<AgentPerformance> finalFigures = history.get(history.size() - 1).performance();
        List<Map<String, Object>> agents = Landing.dump(db, "agent_performance");
        assertThat(agents).hasSize(TradeHistory.AGENTS.size());
        for (AgentPerformance expected : finalFigures) {
            Map<String, Object> row = agents.stream().filter(r -> r.get("agent_id").equals(expected.getAgentId())).findFirst().orElseThrow();
            assertThat(row).containsEntry("training_step", 1_000L)
                    .containsEntry("total_decisions", expected.getTotalDecisions())
                    .containsEntry("accuracy", expected.getAccuracy())
                    .containsEntry("avg_profit_contribution", expected.getAvgProfitContribution())
                    .containsEntry("current_weight", expected.getCurrentWeight())
                    .containsEntry("updated_at", expected.getUpdatedAt());
        }
        // then: nothing of the aborted transaction (Landing.produce aborts one) landed
        assertThat(Landing.column(db, "SELECT count(*) FROM metalearner_training_log WHERE decision_id LIKE 'aborted-%'"))
                .containsExactly(0L);
        // then: a snapshot every ten steps
        assertThat(Landing.column(db, "SELECT training_step FROM metalearner_weights ORDER BY training_step"))
                .hasSize(100).startsWith(10L, 20L).endsWith(1_000L);
        // then: a training-log row holds what was sent, its votes as JSONB
        TrainingLog step7 = history.get(6).log();
        List<Object> row7 = db.withHandle(h -> h.createQuery(
                "SELECT decision_id, predicted_profit, actual_profit, loss, jsonb_typeof(agent_votes), agent_votes->'technical'->>'direction' "
                        + "FROM metalearner_training_log WHERE training_step = 7")
                .map((rs, ctx) -> List.<Object>of(rs.getString(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4), rs.getString(5),
                        rs.getString(6))).one());
        assertThat(row7).containsExactly(step7.getDecisionId(), step7.getPredictedProfit(), step7.getActualProfit(), step7.getLoss(),
                        "object", step7.getAgentVotes().replaceAll(".*\"technical\": \\{\"direction\": \"(\\w+)\".*", "$1"));
    }

    @Test
    void deliveringTheSameRecordsAgainChangesNothing() throws Exception {
        // given
        Jdbi db = Landing.jdbi(landedDatabase);
        List<List<Map<String, Object>>> before = dumpAll(db);

        // when: the whole run arrives a second time
        Landing.produce(broker.bootstrapServers(), registry.apiUrl(), landedTopics, history);
        try (JdbiWriter writer = JdbiWriter.start(config(landedDatabase, landedTopics, landedGroup))) {
            writer.awaitCaughtUp(CATCH_UP);
            assertThat(writer.landedRecords()).isEqualTo(1_000 + 9_000 + 100);
        }

        // then
        assertThat(dumpAll(db)).isEqualTo(before);
    }

    @Test
    void theSeedsQueriesAnswerLatestWeightsAgentRankingsAndRecentSteps() throws Exception {
        try (JdbiWriter writer = JdbiWriter.start(config(landedDatabase, landedTopics, landedGroup))) {
            // when
            Optional<HistoryQueries.Weights> latest = writer.query(q -> q.latestWeights(MODEL));
            List<HistoryQueries.AgentRanking> rankings = writer.query(q -> q.agentRankings(MODEL));
            List<HistoryQueries.TrainingStep> recent = writer.query(q -> q.recentTrainingSteps(MODEL, 5));

            // then
            WeightSnapshot lastSnapshot = history.get(999).snapshot();
            assertThat(latest).get().satisfies(w -> {
                assertThat(w.trainingStep()).isEqualTo(1_000);
                assertThat(w.trainingLoss()).isEqualTo(lastSnapshot.getTrainingLoss());
                assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(w.agentWeights()))
                        .isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().readTree(lastSnapshot.getAgentWeights()));
            });
            List<String> expectedOrder = history.get(999).performance().stream()
                    .sorted(java.util.Comparator.comparingDouble(AgentPerformance::getCurrentWeight).reversed()
                            .thenComparing(AgentPerformance::getAgentId))
                    .map(AgentPerformance::getAgentId).toList();
            assertThat(rankings).extracting(HistoryQueries.AgentRanking::agentId).containsExactlyElementsOf(expectedOrder);
            assertThat(recent).extracting(HistoryQueries.TrainingStep::trainingStep).containsExactly(1_000L, 999L, 998L, 997L, 996L);
            assertThat(recent.get(0).decisionId()).isEqualTo(history.get(999).log().getDecisionId());
            assertThat(writer.rowCounts()).containsExactly(
                    Map.entry("metalearner_training_log", 1_000L), Map.entry("agent_performance", 9L),
                    Map.entry("metalearner_weights", 100L));
        }
    }

    @Test
    void anOlderStepNeverOverwritesANewerAgentRow() throws Exception {
        // given: an agent's figures after step 20 have landed
        String name = TestNames.unique("backwards");
        WriterConfig.Topics topics = Landing.topics(name);
        Landing.createTopics(broker, topics);
        String database = postgres.createDatabase(name).jdbcUrl();
        List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 20, 7);
        Landing.produce(broker.bootstrapServers(), registry.apiUrl(), topics, steps);

        // when: step 5's figures arrive late, in a later poll
        try (JdbiWriter writer = JdbiWriter.start(config(database, topics, name))) {
            writer.awaitCaughtUp(CATCH_UP);
            Landing.produce(broker.bootstrapServers(), registry.apiUrl(), topics, List.of(
                    new TradeHistory.Step(steps.get(19).log(), steps.get(4).performance(), null)));
            writer.awaitCaughtUp(CATCH_UP);
        }

        // then
        List<Map<String, Object>> agents = Landing.dump(Landing.jdbi(database), "agent_performance");
        assertThat(agents).extracting(r -> r.get("training_step")).containsOnly(20L);
        assertThat(agents).extracting(r -> r.get("current_weight"))
                .containsExactlyInAnyOrderElementsOf(steps.get(19).performance().stream().map(a -> (Object) a.getCurrentWeight()).toList());
    }

    @Test
    void afterAResetTheNewHistoryWinsAndTheSeedsQueriesShowIt() throws Exception {
        // given: 30 steps landed; then a reset (training-topic offset 30) and 12 steps of a new history
        String name = TestNames.unique("reset");
        WriterConfig.Topics topics = Landing.topics(name);
        Landing.createTopics(broker, topics);
        String database = postgres.createDatabase(name).jdbcUrl();
        List<TradeHistory.Step> before = TradeHistory.generate(MODEL, 30, 21, 0);
        List<TradeHistory.Step> after = TradeHistory.generate(MODEL, 12, 22, 31);
        Landing.produce(broker.bootstrapServers(), registry.apiUrl(), topics, before);
        Jdbi db = Landing.jdbi(database);
        try (JdbiWriter writer = JdbiWriter.start(config(database, topics, name))) {
            writer.awaitCaughtUp(CATCH_UP);

            // when
            Landing.produce(broker.bootstrapServers(), registry.apiUrl(), topics, after);
            writer.awaitCaughtUp(CATCH_UP);

            // then: the agents hold the new history's figures, though its step (12) is below the old one (30)
            assertThat(Landing.dump(db, "agent_performance")).extracting(r -> r.get("training_step")).containsOnly(12L);
            assertThat(Landing.dump(db, "agent_performance")).extracting(r -> r.get("current_weight"))
                    .containsExactlyInAnyOrderElementsOf(after.get(11).performance().stream().map(a -> (Object) a.getCurrentWeight()).toList());
            // then: latest weights and recent steps are the new history's, not the old higher steps left in the tables
            Optional<HistoryQueries.Weights> latest = writer.query(q -> q.latestWeights(MODEL));
            List<HistoryQueries.TrainingStep> recent = writer.query(q -> q.recentTrainingSteps(MODEL, 3));
            assertThat(latest).get().satisfies(w -> {
                assertThat(w.trainingStep()).isEqualTo(10);
                assertThat(w.trainingLoss()).isEqualTo(after.get(9).snapshot().getTrainingLoss());
            });
            assertThat(recent).extracting(HistoryQueries.TrainingStep::decisionId)
                    .containsExactly(after.get(11).log().getDecisionId(), after.get(10).log().getDecisionId(),
                            after.get(9).log().getDecisionId());
            assertThat(Landing.column(db, "SELECT training_step FROM metalearner_training_log WHERE decision_id LIKE '%-22-%' ORDER BY 1"))
                    .hasSize(12).endsWith(12L);

            // and when: the old history is delivered again (a replay of the topic, a redelivery)
            List<List<Map<String, Object>>> landed = dumpAll(db);
            Landing.produce(broker.bootstrapServers(), registry.apiUrl(), topics, before);
            writer.awaitCaughtUp(CATCH_UP);

            // then: older records overwrite nothing
            assertThat(dumpAll(db)).isEqualTo(landed);
        }
    }

    @Test
    void unusableRecordsAreDeadLetteredWithTheirReasonAndTheWriterGoesOn() throws Exception {
        // given
        String name = TestNames.unique("bad");
        WriterConfig.Topics topics = Landing.topics(name);
        Landing.createTopics(broker, topics);
        String database = postgres.createDatabase(name).jdbcUrl();
        List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 5, 3);
        TrainingLog notJson = TrainingLog.newBuilder(steps.get(1).log()).setAgentVotes("{\"technical\": LONG").build();
        // valid JSON that PostgreSQL's jsonb refuses (it cannot hold \u0000)
        TrainingLog nulCharacter = TrainingLog.newBuilder(steps.get(2).log()).setAgentVotes("{\"technical\": \"\\u0000\"}").build();
        WeightSnapshot snapshotOnTheLogTopic = WeightSnapshot.newBuilder().setModelId(MODEL).setTrainingStep(4)
                .setTimestamp(Instant.now()).setAgentWeights("{}").setTrainingLoss(0).setPredictionAccuracy(0).build();

        try (KafkaProducer<String, SpecificRecord> avro = Landing.producer(broker.bootstrapServers(), registry.apiUrl());
             KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(TestProducers.config(broker.bootstrapServers()),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            sendAndWait(avro, new ProducerRecord<>(topics.trainingLog(), MODEL, steps.get(0).log()));
            sendAndWait(raw, new ProducerRecord<>(topics.trainingLog(), MODEL.getBytes(), "not avro at all".getBytes()));
            sendAndWait(avro, new ProducerRecord<>(topics.trainingLog(), MODEL, notJson));
            sendAndWait(avro, new ProducerRecord<>(topics.trainingLog(), MODEL, nulCharacter));
            sendAndWait(avro, new ProducerRecord<>(topics.trainingLog(), MODEL, snapshotOnTheLogTopic));
            sendAndWait(avro, new ProducerRecord<>(topics.trainingLog(), MODEL, steps.get(4).log()));
            // framed like Avro, but with a content id the registry never gave out
            sendAndWait(raw, new ProducerRecord<>(topics.trainingLog(), MODEL.getBytes(), new byte[]{0, 0x7f, 0, 0, 1, 2, 4, 6}));
        }

        // when
        try (JdbiWriter writer = JdbiWriter.start(config(database, topics, name))) {
            writer.awaitCaughtUp(CATCH_UP);

            // then: the good rows landed
            assertThat(Landing.column(Landing.jdbi(database), "SELECT training_step FROM metalearner_training_log ORDER BY 1"))
                    .containsExactly(1L, 5L);
            assertThat(writer.deadLettered()).isEqualTo(5);
        }
        // then: each bad one is on the dead-letter topic with its reason and its original bytes
        List<DeadLetter> letters = Landing.readDeadLetters(broker.bootstrapServers(), registry.apiUrl(), topics.deadLetter(), 5);
        letters.sort(java.util.Comparator.comparingLong(DeadLetter::getSourceOffset));
        assertThat(letters).extracting(DeadLetter::getSourceOffset).containsExactly(1L, 2L, 3L, 4L, 6L);
        assertThat(letters).extracting(DeadLetter::getReason)
                .containsExactly("unreadable", "invalid-json", "database-refused", "wrong-type", "unknown-schema");
        assertThat(letters.get(4).getDetail()).contains("does not know content id " + 0x7f000001);
        assertThat(new String(letters.get(0).getValue().array())).isEqualTo("not avro at all");
        assertThat(letters.get(2).getDetail()).contains("unsupported Unicode escape sequence");
        assertThat(letters.get(3).getDetail()).contains("WeightSnapshot");
    }

    @Test
    void aRowTooBigForItsIndexIsDeadLetteredAndTheWriterGoesOn() throws Exception {
        // given: a step whose decision id is 200 KB (the stream trains on it: any non-blank id is valid),
        // too big for PostgreSQL's index on decision_id
        String name = TestNames.unique("huge");
        WriterConfig.Topics topics = Landing.topics(name);
        Landing.createTopics(broker, topics);
        String database = postgres.createDatabase(name).jdbcUrl();
        List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 3, 5);
        // random letters: PostgreSQL compresses a repeated one below the limit
        java.util.Random letters = new java.util.Random(7);
        String id = letters.ints(200_000, 'a', 'z' + 1).collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        TrainingLog hugeId = TrainingLog.newBuilder(steps.get(1).log()).setDecisionId(id).build();
        try (KafkaProducer<String, SpecificRecord> avro = Landing.producer(broker.bootstrapServers(), registry.apiUrl())) {
            sendAndWait(avro, new ProducerRecord<>(topics.trainingLog(), MODEL, steps.get(0).log()));
            sendAndWait(avro, new ProducerRecord<>(topics.trainingLog(), MODEL, hugeId));
            sendAndWait(avro, new ProducerRecord<>(topics.trainingLog(), MODEL, steps.get(2).log()));
        }

        // when
        try (JdbiWriter writer = JdbiWriter.start(config(database, topics, name))) {
            writer.awaitCaughtUp(CATCH_UP);

            // then: the writer did not stop; the other rows landed
            assertThat(writer.failure()).isNull();
            assertThat(Landing.column(Landing.jdbi(database), "SELECT training_step FROM metalearner_training_log ORDER BY 1"))
                    .containsExactly(1L, 3L);
            assertThat(writer.deadLettered()).isEqualTo(1);
        }
        List<DeadLetter> dead = Landing.readDeadLetters(broker.bootstrapServers(), registry.apiUrl(), topics.deadLetter(), 1);
        assertThat(dead).extracting(DeadLetter::getReason).containsExactly("database-refused");
        assertThat(dead.get(0).getSourceOffset()).isEqualTo(1L);
        assertThat(dead.get(0).getDetail()).contains("54000");
    }

    @Test
    void aWriterKilledBetweenItsDatabaseCommitAndItsOffsetCommitLeavesExactlyOneRowPerStepAfterRestart() throws Exception {
        // given
        String name = TestNames.unique("crash");
        WriterConfig.Topics topics = Landing.topics(name);
        Landing.createTopics(broker, topics);
        String database = postgres.createDatabase(name).jdbcUrl();
        List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 300, 11);
        Landing.produce(broker.bootstrapServers(), registry.apiUrl(), topics, steps);
        WriterConfig config = config(database, topics, name).withConsumerOverrides(Map.of("max.poll.records", "200"));

        // when: the first writer dies right after its third database commit
        int[] commits = {0};
        JdbiWriter doomed = JdbiWriter.start(config, batch -> {
            if (++commits[0] == 3) throw new SimulatedCrash();
        });
        assertThat(doomed.awaitStopped(CATCH_UP)).isTrue();
        assertThat(doomed.failure()).isInstanceOf(SimulatedCrash.class);
        long landedBeforeTheCrash = JdbiWriter.rowCounts(Landing.jdbi(database)).values().stream().mapToLong(Long::longValue).sum();

        // and a new one takes over from the offsets committed before the crash (however many records each poll held)
        try (JdbiWriter restarted = JdbiWriter.start(config)) {
            restarted.awaitCaughtUp(CATCH_UP);
            assertThat(restarted.landedRecords()).as("the batch landed but not committed is read again").isGreaterThan(0);
        }

        // then: one row per step, none lost, none doubled
        assertThat(landedBeforeTheCrash).isGreaterThan(0);
        assertThat(Landing.rowOfLongs(Landing.jdbi(database), "SELECT count(*), count(DISTINCT training_step), max(training_step) FROM metalearner_training_log"))
                .containsExactly(300L, 300L, 300L);
        assertThat(Landing.dump(Landing.jdbi(database), "agent_performance")).extracting(r -> r.get("training_step")).containsOnly(300L);
        assertThat(Landing.column(Landing.jdbi(database), "SELECT count(*) FROM metalearner_weights").get(0)).isEqualTo(30L);
    }

    private static final class SimulatedCrash extends Error {
        SimulatedCrash() {
            super("simulated crash between the database commit and the offset commit");
        }
    }

    private static List<List<Map<String, Object>>> dumpAll(Jdbi db) {
        return List.of(Landing.dump(db, "metalearner_training_log"), Landing.dump(db, "agent_performance"),
                Landing.dump(db, "metalearner_weights"));
    }
}
