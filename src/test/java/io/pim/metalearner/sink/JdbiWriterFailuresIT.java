package io.pim.metalearner.sink;

import io.pim.metalearner.testing.Landing;
import io.pim.metalearner.testing.RegistryProxy;
import io.pim.metalearner.testing.TradeHistory;
import io.pim.metalearner.tools.embedded.EmbeddedDatabase;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.PostgresExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TestNames;
import io.pim.metalearner.testing.TestPostgres;
import io.pim.metalearner.testing.TestProducers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The JDBI writer when the world around it misbehaves: the database away, read-only or changed
 * under it, the registry away or misnamed, the dead-letter topic refusing. Real broker, registry
 * and PostgreSQL, as in {@link JdbiWriterIT}; a test that stops the database starts one of its own.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class, PostgresExtension.class})
class JdbiWriterFailuresIT {
    private static final String MODEL = "default";
    private static final Duration CATCH_UP = Duration.ofSeconds(60);

    /** A bound on waiting for a writer's retries (its backoff between them is at most 5 s). */
    private static final Duration NOTICE = Duration.ofSeconds(120);

    private static TestKafka broker;
    private static EmbeddedRegistry registry;
    private static TestPostgres postgres;

    @BeforeAll
    static void sharedStack(TestKafka kafka, EmbeddedRegistry sharedRegistry, TestPostgres server) {
        broker = kafka;
        registry = sharedRegistry;
        postgres = server;
    }

    private static WriterConfig config(String jdbcUrl, WriterConfig.Topics topics, String group) {
        return Landing.writerConfig(broker, registry.apiUrl(), jdbcUrl, topics, group);
    }

    /** The writer's topics named after {@code name}, created and ready. */
    private static WriterConfig.Topics topics(String name) throws Exception {
        WriterConfig.Topics topics = Landing.topics(name);
        Landing.createTopics(broker, topics);
        return topics;
    }

    private void produce(WriterConfig.Topics topics, List<TradeHistory.Step> steps) {
        Landing.produce(broker.bootstrapServers(), registry.apiUrl(), topics, steps);
    }

    /** The training log's rows, distinct steps and highest step: all three equal n when steps 1..n each landed once. */
    private static List<Long> trainingLogSteps(Jdbi db) {
        return Landing.rowOfLongs(db, "SELECT count(*), count(DISTINCT training_step), max(training_step) FROM metalearner_training_log");
    }

    @Test
    void theDatabaseStoppedForAWhileThenBackTheWriterCatchesUpWithNothingLost(@TempDir Path dataDirectory) throws Exception {
        // given: a database of its own, which this test takes away
        try (EmbeddedDatabase flaky = EmbeddedDatabase.start(dataDirectory.resolve("pg"), Landing.freePort())) {
            String name = TestNames.unique("outage");
            WriterConfig.Topics topics = topics(name);
            List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 500, 5);
            produce(topics, steps.subList(0, 200));
            try (JdbiWriter writer = JdbiWriter.start(config(flaky.jdbcUrl(), topics, name))) {
                writer.awaitCaughtUp(CATCH_UP);

                // when: the database goes away while trades keep coming
                flaky.stop();
                produce(topics, steps.subList(200, 500));
                Await.until("three retries while the database is down", NOTICE, () -> writer.retries() >= 3);
                assertThat(writer.isRunning()).isTrue();
                flaky.startAgain();

                // then
                writer.awaitCaughtUp(CATCH_UP);
            }
            Jdbi db = Jdbi.create(flaky.dataSource());
            assertThat(trainingLogSteps(db)).as("rows, distinct steps, last step").containsExactly(500L, 500L, 500L);
            assertThat(JdbiWriter.rowCounts(db)).containsEntry("agent_performance", 9L).containsEntry("metalearner_weights", 50L);
            assertThat(Landing.dump(db, "agent_performance")).extracting(r -> r.get("current_weight"))
                    .containsExactlyInAnyOrderElementsOf(steps.get(499).performance().stream().map(a -> (Object) a.getCurrentWeight()).toList());
        }
    }

    @Test
    void aWriterStartedWhileTheDatabaseIsDownWaitsAndLandsEverythingOnceItIsUp(@TempDir Path dataDirectory) throws Exception {
        try (EmbeddedDatabase late = EmbeddedDatabase.start(dataDirectory.resolve("pg"), Landing.freePort())) {
            // given: trades on the topics, and no database yet
            late.stop();
            String name = TestNames.unique("late");
            WriterConfig.Topics topics = topics(name);
            List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 50, 15);
            produce(topics, steps);

            // when
            try (JdbiWriter writer = JdbiWriter.start(config(late.jdbcUrl(), topics, name))) {
                Await.until("three attempts to reach the database", NOTICE, () -> writer.retries() >= 3);
                assertThat(writer.isRunning()).isTrue();
                late.startAgain();

                // then: it migrates and lands everything
                writer.awaitCaughtUp(CATCH_UP);
            }
            Jdbi db = Jdbi.create(late.dataSource());
            assertThat(trainingLogSteps(db)).as("rows, distinct steps, last step").containsExactly(50L, 50L, 50L);
            int schemaVersion = db.withHandle(h -> h.createQuery("SELECT max(version::int) FROM flyway_schema_history")
                    .mapTo(Integer.class).one());
            assertThat(schemaVersion).isEqualTo(4);
        }
    }

    @Test
    void aSecondWriterJoiningDuringAnOutageLosesNothingAndEachStepLandsOnce(@TempDir Path dataDirectory) throws Exception {
        try (EmbeddedDatabase flaky = EmbeddedDatabase.start(dataDirectory.resolve("pg"), Landing.freePort())) {
            // given: a writer that has landed 100 steps
            String name = TestNames.unique("rebalance");
            WriterConfig.Topics topics = topics(name);
            List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 400, 14);
            produce(topics, steps.subList(0, 100));
            WriterConfig config = config(flaky.jdbcUrl(), topics, name).withConsumerOverrides(Map.of("max.poll.records", "300"));
            try (JdbiWriter first = JdbiWriter.start(config)) {
                first.awaitCaughtUp(CATCH_UP);

                // when: the database goes away, trades keep coming, and a second writer joins the group
                flaky.stop();
                produce(topics, steps.subList(100, 400));
                Await.until("the first writer waiting for the database", NOTICE, () -> first.retries() >= 2);
                try (JdbiWriter second = JdbiWriter.start(config)) {
                    Await.until("two members in the group, each with partitions", NOTICE,
                            () -> membersWithPartitions(name) == 2);
                    long firstRetries = first.retries();
                    Await.until("both writers waiting after the rebalance", NOTICE,
                            () -> first.retries() >= firstRetries + 2 && second.retries() >= 2);
                    flaky.startAgain();

                    // then
                    first.awaitCaughtUp(CATCH_UP);
                    assertThat(first.failure()).isNull();
                    assertThat(second.failure()).isNull();
                    assertThat(first.deadLettered() + second.deadLettered()).isZero();
                }
            }
            Jdbi db = Jdbi.create(flaky.dataSource());
            assertThat(trainingLogSteps(db)).as("rows, distinct steps, last step").containsExactly(400L, 400L, 400L);
            assertThat(JdbiWriter.rowCounts(db)).containsEntry("agent_performance", 9L).containsEntry("metalearner_weights", 40L);
            assertThat(Landing.dump(db, "agent_performance")).extracting(r -> r.get("current_weight"))
                    .containsExactlyInAnyOrderElementsOf(steps.get(399).performance().stream().map(a -> (Object) a.getCurrentWeight()).toList());
        }
    }

    private static int membersWithPartitions(String group) {
        try (Admin admin = broker.admin()) {
            return (int) admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().stream()
                    .filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void aReadOnlyDatabaseIsWaitedForNotDeadLettered() throws Exception {
        // given: 20 steps landed
        String name = TestNames.unique("readonly");
        WriterConfig.Topics topics = topics(name);
        TestPostgres.Database database = postgres.createDatabase(name);
        List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 40, 8);
        produce(topics, steps.subList(0, 20));
        Jdbi admin = Jdbi.create(postgres.adminDataSource());
        try (JdbiWriter writer = JdbiWriter.start(config(database.jdbcUrl(), topics, name))) {
            writer.awaitCaughtUp(CATCH_UP);

            // when: the database turns read-only (as a standby does in a failover; SQLState 25006) and
            // drops the writer's connection, while trades keep coming
            admin.useHandle(h -> {
                h.execute("ALTER DATABASE " + database.name() + " SET default_transaction_read_only = on");
                h.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?", database.name());
            });
            produce(topics, steps.subList(20, 40));
            long retries = writer.retries();
            Await.until("two retries against the read-only database", NOTICE,
                    () -> writer.retries() >= retries + 2);
            assertThat(writer.isRunning()).isTrue();
            admin.useHandle(h -> h.execute("ALTER DATABASE " + database.name() + " SET default_transaction_read_only = off"));

            // then: everything lands, nothing is dead-lettered
            writer.awaitCaughtUp(CATCH_UP);
            assertThat(writer.deadLettered()).isZero();
        }
        assertThat(trainingLogSteps(database.jdbi())).as("rows, distinct steps, last step").containsExactly(40L, 40L, 40L);
    }

    @Test
    void aSchemaRegistryOutageIsWaitedForAndNothingIsLost() throws Exception {
        // given: trades on the topics, and the registry away (503) when the writer starts
        String name = TestNames.unique("registry");
        WriterConfig.Topics topics = topics(name);
        TestPostgres.Database database = postgres.createDatabase(name);
        produce(topics, TradeHistory.generate(MODEL, 20, 10));
        try (RegistryProxy proxy = new RegistryProxy(registry.url())) {
            proxy.takeDown();
            WriterConfig config = WriterConfig.of(broker.bootstrapServers(), proxy.apiUrl(), database.jdbcUrl(), EmbeddedDatabase.USER,
                    EmbeddedDatabase.PASSWORD).withGroupId(name).withTopics(topics);
            try (JdbiWriter writer = JdbiWriter.start(config)) {
                // when: it cannot read a writer schema
                Await.until("two retries while the registry is away", NOTICE, () -> writer.retries() >= 2);
                assertThat(writer.isRunning()).isTrue();
                assertThat(writer.deadLettered()).isZero();
                proxy.bringBack();

                // then: everything lands, nothing is dead-lettered
                writer.awaitCaughtUp(CATCH_UP);
                assertThat(writer.deadLettered()).isZero();
            }
        }
        assertThat(trainingLogSteps(database.jdbi())).as("rows, distinct steps, last step").containsExactly(20L, 20L, 20L);
    }

    @Test
    void aRegistryUrlThatIsNotTheRegistryStopsTheWriterInsteadOfDeadLetteringEverything() throws Exception {
        // given: registry.url names an API the registry does not serve, so every schema lookup is a 404
        String name = TestNames.unique("wrong-registry");
        WriterConfig.Topics topics = topics(name);
        TestPostgres.Database database = postgres.createDatabase(name);
        produce(topics, TradeHistory.generate(MODEL, 5, 12));
        WriterConfig config = WriterConfig.of(broker.bootstrapServers(), registry.url() + "/apis/nothing/v9", database.jdbcUrl(),
                EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD).withGroupId(name).withTopics(topics);

        // when
        try (JdbiWriter writer = JdbiWriter.start(config)) {
            // then
            assertThat(writer.awaitStopped(CATCH_UP)).isTrue();
            assertThat(writer.failure()).hasMessageContaining("registry.url").hasMessageContaining("/apis/nothing/v9");
            assertThat(writer.deadLettered()).isZero();
        }
        assertThat(Landing.committedOffsets(broker.bootstrapServers(), name)).isEmpty();
    }

    @Test
    void aDeadLetterTheBrokerRefusesStopsTheWriterUncommittedAndTheNextWriterDeadLettersIt() throws Exception {
        // given: a record the writer cannot use, and a dead-letter topic that takes nothing that big
        String name = TestNames.unique("letters");
        WriterConfig.Topics topics = topics(name);
        TestPostgres.Database database = postgres.createDatabase(name);
        maxMessageBytes(topics.deadLetter(), "200");
        List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 5, 13);
        produce(topics, steps.subList(0, 2));
        long poisonOffset;
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(TestProducers.config(broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            poisonOffset = TestProducers.sendAndWait(raw, new ProducerRecord<>(topics.trainingLog(), MODEL.getBytes(),
                    "not avro at all".repeat(20).getBytes())).offset();
        }
        produce(topics, steps.subList(2, 5));

        // when
        try (JdbiWriter writer = JdbiWriter.start(config(database.jdbcUrl(), topics, name))) {
            // then: it stops rather than commit past a record whose dead letter went nowhere
            assertThat(writer.awaitStopped(CATCH_UP)).isTrue();
            assertThat(writer.failure()).hasMessageContaining("dead letter").hasMessageContaining(topics.deadLetter())
                    .hasMessageContaining("RecordTooLarge");
            assertThat(writer.deadLettered()).isZero();
        }
        assertThat(Landing.committedOffsets(broker.bootstrapServers(), name).getOrDefault(new TopicPartition(topics.trainingLog(), 0), 0L))
                .as("committed training-log offset: not past the unusable record").isLessThanOrEqualTo(poisonOffset);

        // and when: the topic takes it again, the next writer dead-letters the record and lands the rest
        maxMessageBytes(topics.deadLetter(), "1048588");
        try (JdbiWriter writer = JdbiWriter.start(config(database.jdbcUrl(), topics, name))) {
            writer.awaitCaughtUp(CATCH_UP);
            assertThat(writer.deadLettered()).isEqualTo(1);
        }
        List<DeadLetter> letters = Landing.readDeadLetters(broker.bootstrapServers(), registry.apiUrl(), topics.deadLetter(), 1);
        assertThat(letters).extracting(DeadLetter::getSourceOffset, DeadLetter::getReason).containsExactly(tuple(poisonOffset, "unreadable"));
        assertThat(trainingLogSteps(database.jdbi())).as("rows, distinct steps, last step").containsExactly(5L, 5L, 5L);
    }

    private static void maxMessageBytes(String topic, String bytes) throws Exception {
        try (Admin admin = broker.admin()) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry("max.message.bytes", bytes), AlterConfigOp.OpType.SET)))).all().get();
        }
    }

    @Test
    void aMissingColumnStopsTheWriterNamingTheSqlStateAndCommitsNothingOfTheBatch() throws Exception {
        // given: 10 steps landed
        String name = TestNames.unique("fatal");
        WriterConfig.Topics topics = topics(name);
        TestPostgres.Database database = postgres.createDatabase(name);
        List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 20, 9);
        produce(topics, steps.subList(0, 10));
        Jdbi db = database.jdbi();
        try (JdbiWriter writer = JdbiWriter.start(config(database.jdbcUrl(), topics, name))) {
            writer.awaitCaughtUp(CATCH_UP);
        }
        var committed = Landing.committedOffsets(broker.bootstrapServers(), name);

        // when: someone renamed a column the upsert writes (SQLState 42703), and trades kept coming.
        // They are all on the topics before the writer starts again, so its first poll takes them as
        // one batch: while they trickle in, a poll may hold the agents' rows of a step and not its log
        // row yet, and that batch rightly lands.
        db.useHandle(h -> h.execute("ALTER TABLE metalearner_training_log RENAME COLUMN loss TO loss_renamed"));
        produce(topics, steps.subList(10, 20));
        try (JdbiWriter writer = JdbiWriter.start(config(database.jdbcUrl(), topics, name))) {
            // then: the writer stops with an error naming the SQLState; nothing of the batch is committed or dead-lettered
            assertThat(writer.awaitStopped(CATCH_UP)).isTrue();
            assertThat(writer.failure()).hasMessageContaining("SQLState 42703").hasMessageContaining("loss");
            assertThat(writer.deadLettered()).isZero();
            assertThat(Landing.committedOffsets(broker.bootstrapServers(), name)).isEqualTo(committed);
        }
        assertThat(Landing.dump(db, "agent_performance")).extracting(r -> r.get("training_step")).containsOnly(10L);

        // and when: the database is fixed and the writer started again, it lands the rest
        db.useHandle(h -> h.execute("ALTER TABLE metalearner_training_log RENAME COLUMN loss_renamed TO loss"));
        try (JdbiWriter writer = JdbiWriter.start(config(database.jdbcUrl(), topics, name))) {
            writer.awaitCaughtUp(CATCH_UP);
        }
        assertThat(trainingLogSteps(db)).as("rows, distinct steps, last step").containsExactly(20L, 20L, 20L);
    }
}
