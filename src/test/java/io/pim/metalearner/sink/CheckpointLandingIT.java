package io.pim.metalearner.sink;

import io.pim.metalearner.testing.Landing;
import io.pim.metalearner.tools.embedded.EmbeddedDatabase;
import io.pim.metalearner.avro.Checkpoint;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import io.pim.metalearner.kafka.CheckpointKeys;
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
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The writer lands the checkpoints topic in {@code metalearner_checkpoints} on a real broker,
 * Apicurio and PostgreSQL: a row per (model, step, fingerprint) with the figures of its state,
 * tombstones mark rows deleted, a state that is not what its record says is dead-lettered, and
 * landing it all again changes nothing. Then {@link DatabaseCheckpoints} finds what rollback
 * --from-database restores.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class, PostgresExtension.class})
class CheckpointLandingIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(120);
    private static final String MODEL = "m";
    private static final Instant DELETED_AT = Instant.parse("2026-12-01T12:00:00Z");

    @Test
    void checkpointsLandOnceEachTombstonesMarkThemDeletedAndBadOnesAreDeadLettered(TestKafka kafka, EmbeddedRegistry registry,
                                                                                 TestPostgres postgres) throws Exception {
        // given: a model's line of learners checkpointed at steps 10, 20, 30, and after a reset a new line at step 10
        String name = TestNames.unique("checkpoints");
        WriterConfig.Topics topics = Landing.topics(name);
        Landing.createTopics(kafka, topics);
        String jdbcUrl = postgres.createDatabase("checkpoints").jdbcUrl();
        Learner first = Learner.create(LearnerConfig.defaults());
        TradeSimulator trades = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, 7, TradeSimulator.Scenario.SKILLS, 50);
        Checkpoint a10 = trainTo(first, trades, 10, 100), a20 = trainTo(first, trades, 20, 200), a30 = trainTo(first, trades, 30, 300);
        Checkpoint b10 = trainTo(Learner.create(LearnerConfig.defaults().withSeed(43)), trades, 10, 400);
        Checkpoint forged = Checkpoint.newBuilder(a20).setTrainingStep(25).setFingerprint("0".repeat(64)).build();

        // when: the service's records arrive: the first line (step 30 twice), the reset's tombstones, the new line,
        // a checkpoint whose state is not what it says, and a tombstone whose key is no checkpoint key
        try (KafkaProducer<String, SpecificRecord> producer = Landing.producer(kafka.bootstrapServers(), registry.apiUrl())) {
            TestProducers.Sends<String, SpecificRecord> sends = TestProducers.checked(producer);
            for (Checkpoint c : List.of(a10, a20, a30, a30)) sends.send(record(topics, c));
            for (long step : List.of(10L, 20L, 30L)) sends.send(tombstone(topics, CheckpointKeys.key(MODEL, step)));
            sends.send(record(topics, b10));
            sends.send(record(topics, forged));
            sends.send(tombstone(topics, "not-a-checkpoint-key"));
            sends.awaitAll();
        }
        try (JdbiWriter writer = JdbiWriter.start(Landing.writerConfig(kafka, registry.apiUrl(), jdbcUrl, topics, name))) {
            writer.awaitCaughtUp(CATCH_UP);
        }

        // then: one row per (model, step, fingerprint); the first line marked deleted at its tombstones' time, the new line live
        Jdbi db = Landing.jdbi(jdbcUrl);
        List<Map<String, Object>> rows = checkpointRows(db);
        assertThat(rows).extracting(r -> r.get("training_step"), r -> r.get("fingerprint"), r -> r.get("deleted_at"))
                .containsExactlyInAnyOrder(
                        tuple(10L, a10.getFingerprint(), DELETED_AT), tuple(20L, a20.getFingerprint(), DELETED_AT),
                        tuple(30L, a30.getFingerprint(), DELETED_AT), tuple(10L, b10.getFingerprint(), null));
        // and each row holds its state byte for byte, with the rolling figures recorded in that state
        Map<String, Object> row30 = rows.stream().filter(r -> r.get("training_step").equals(30L)).findFirst().orElseThrow();
        assertThat(row30.get("state")).isEqualTo(HexFormat.of().formatHex(bytes(a30)));
        Learner at30 = LearnerCodec.decode(bytes(a30));
        assertThat(row30).containsEntry("prediction_accuracy", at30.metrics().rollingDirectionAccuracy())
                .containsEntry("training_loss", at30.metrics().rollingLoss())
                .containsEntry("source_offset", 300L);
        // and the two unusable records are dead letters with their reasons
        assertThat(Landing.readDeadLetters(kafka.bootstrapServers(), registry.apiUrl(), topics.deadLetter(), 2))
                .extracting(DeadLetter::getReason).containsExactlyInAnyOrder("corrupt-state", "unreadable");

        // when: a writer of another group lands the whole topic again
        try (JdbiWriter again = JdbiWriter.start(Landing.writerConfig(kafka, registry.apiUrl(), jdbcUrl, topics, name + "-again"))) {
            again.awaitCaughtUp(CATCH_UP);
        }
        // then: nothing changed
        assertThat(checkpointRows(db)).containsExactlyInAnyOrderElementsOf(rows);

        // when: rollback --from-database looks for checkpoints
        WriterConfig.Database database = new WriterConfig.Database(jdbcUrl, EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD);
        DatabaseCheckpoints checkpoints = new DatabaseCheckpoints(database);
        // then: only the live line by default, every line with includeDeleted; "above" is strict
        assertThat(checkpoints.find(MODEL, new DatabaseCheckpoints.Choice(35L, null, false)).fingerprint()).isEqualTo(b10.getFingerprint());
        assertThat(checkpoints.find(MODEL, new DatabaseCheckpoints.Choice(35L, null, true)).fingerprint()).isEqualTo(a30.getFingerprint());
        assertThat(checkpoints.find(MODEL, new DatabaseCheckpoints.Choice(null, -1.0, true)).fingerprint()).isEqualTo(b10.getFingerprint());
        double a20Accuracy = LearnerCodec.decode(bytes(a20)).metrics().rollingDirectionAccuracy();
        assertThatThrownBy(() -> checkpoints.find(MODEL, new DatabaseCheckpoints.Choice(null, 1.0, true)))
                .isInstanceOf(DatabaseCheckpoints.NotFound.class).hasMessageContaining("best recorded accuracy");
        double threshold = a20Accuracy - 1e-9;
        Checkpoint newestAbove = List.of(b10, a30, a20).stream() // newest first, by training offset
                .filter(c -> LearnerCodec.decode(bytes(c)).metrics().rollingDirectionAccuracy() > threshold).findFirst().orElseThrow();
        assertThat(checkpoints.find(MODEL, new DatabaseCheckpoints.Choice(null, threshold, true)).fingerprint())
                .isEqualTo(newestAbove.getFingerprint());
        assertThatThrownBy(() -> checkpoints.find(MODEL, new DatabaseCheckpoints.Choice(5L, null, true)))
                .isInstanceOf(DatabaseCheckpoints.NotFound.class).hasMessageContaining("steps 10 to 30");
        assertThatThrownBy(() -> checkpoints.find("nobody", new DatabaseCheckpoints.Choice(5L, null, false)))
                .isInstanceOf(DatabaseCheckpoints.NotFound.class).hasMessageContaining("it has none at all");
    }

    /** Trains on to {@code step} and returns the checkpoint the service would write there. */
    private static Checkpoint trainTo(Learner learner, TradeSimulator trades, long step, long sourceOffset) {
        while (learner.step() < step) learner.train(FeedbackJson.parse(trades.next()));
        byte[] state = LearnerCodec.encode(learner);
        return Checkpoint.newBuilder().setModelId(MODEL).setTrainingStep(step).setFingerprint(LearnerCodec.fingerprint(state))
                .setState(ByteBuffer.wrap(state)).setSourceOffset(sourceOffset).setTimestamp(Instant.ofEpochMilli(1_700_000_000_000L + step))
                .build();
    }

    private static ProducerRecord<String, SpecificRecord> record(WriterConfig.Topics topics, Checkpoint c) {
        return new ProducerRecord<>(topics.checkpoints(), CheckpointKeys.key(c.getModelId(), c.getTrainingStep()), c);
    }

    private static ProducerRecord<String, SpecificRecord> tombstone(WriterConfig.Topics topics, String key) {
        return new ProducerRecord<>(topics.checkpoints(), null, (Long) DELETED_AT.toEpochMilli(), key, (SpecificRecord) null);
    }

    private static byte[] bytes(Checkpoint c) {
        byte[] b = new byte[c.getState().remaining()];
        c.getState().duplicate().get(b);
        return b;
    }

    /** The table's rows, the state as hex so that rows compare as values. */
    private static List<Map<String, Object>> checkpointRows(Jdbi db) {
        List<Map<String, Object>> rows = Landing.dump(db, "metalearner_checkpoints");
        rows.forEach(r -> r.put("state", HexFormat.of().formatHex((byte[]) r.get("state"))));
        return rows;
    }
}
