package io.pim.metalearner.sink;

import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.ops.EmbeddedRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
 * and PostgreSQL, as in {@link JdbiWriterTest}.
 */
class JdbiWriterFailuresTest {
    private static final String MODEL = "default";
    private static final Duration CATCH_UP = Duration.ofSeconds(60);

    private static KafkaClusterTestKit broker;
    private static EmbeddedRegistry registry;
    private static EmbeddedDatabase postgres;

    @BeforeAll
    static void startStack() throws Exception {
        broker = Landing.startBroker();
        registry = EmbeddedRegistry.start();
        postgres = EmbeddedDatabase.start();
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (postgres != null) postgres.close();
        if (registry != null) registry.close();
        if (broker != null) broker.close();
    }

    private static WriterConfig config(String jdbcUrl, WriterConfig.Topics topics, String group) {
        return Landing.writerConfig(broker, registry.apiUrl(), jdbcUrl, topics, group);
    }

    private static WriterConfig.Topics topics(String name) throws Exception {
        WriterConfig.Topics topics = Landing.topics(name);
        Landing.createTopics(broker.bootstrapServers(), topics);
        return topics;
    }

    private void produce(WriterConfig.Topics topics, List<TradeHistory.Step> steps) {
        Landing.produce(broker.bootstrapServers(), registry.apiUrl(), topics, steps);
    }

    private static String trainingLogSteps(Jdbi db) {
        return Landing.rowOfLongs(db, "SELECT count(*), count(DISTINCT training_step), max(training_step) FROM metalearner_training_log")
                .toString();
    }

    @Test
    void theDatabaseStoppedForAWhileThenBackTheWriterCatchesUpWithNothingLost(@TempDir Path dataDirectory) throws Exception {
        // given: a database of its own, which this test takes away
        try (EmbeddedDatabase flaky = EmbeddedDatabase.start(dataDirectory.resolve("pg"), Landing.freePort())) {
            WriterConfig.Topics topics = topics("outage");
            List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 500, 5);
            produce(topics, steps.subList(0, 200));
            try (JdbiWriter writer = JdbiWriter.start(config(flaky.jdbcUrl(), topics, "outage"))) {
                writer.awaitCaughtUp(CATCH_UP);

                // when: the database goes away while trades keep coming
                flaky.stop();
                produce(topics, steps.subList(200, 500));
                Landing.await("three retries while the database is down", Duration.ofSeconds(30), () -> writer.retries() >= 3);
                assertThat(writer.isRunning()).isTrue();
                flaky.startAgain();

                // then
                writer.awaitCaughtUp(CATCH_UP);
            }
            Jdbi db = Jdbi.create(flaky.dataSource());
            assertThat(trainingLogSteps(db)).isEqualTo("[500, 500, 500]");
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
            WriterConfig.Topics topics = topics("late");
            List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 50, 15);
            produce(topics, steps);

            // when
            try (JdbiWriter writer = JdbiWriter.start(config(late.jdbcUrl(), topics, "late"))) {
                Landing.await("three attempts to reach the database", Duration.ofSeconds(30), () -> writer.retries() >= 3);
                assertThat(writer.isRunning()).isTrue();
                late.startAgain();

                // then: it migrates and lands everything
                writer.awaitCaughtUp(CATCH_UP);
            }
            Jdbi db = Jdbi.create(late.dataSource());
            assertThat(trainingLogSteps(db)).isEqualTo("[50, 50, 50]");
            int schemaVersion = db.withHandle(h -> h.createQuery("SELECT max(version::int) FROM flyway_schema_history")
                    .mapTo(Integer.class).one());
            assertThat(schemaVersion).isEqualTo(2);
        }
    }

    @Test
    void aSecondWriterJoiningDuringAnOutageLosesNothingAndEachStepLandsOnce(@TempDir Path dataDirectory) throws Exception {
        try (EmbeddedDatabase flaky = EmbeddedDatabase.start(dataDirectory.resolve("pg"), Landing.freePort())) {
            // given: a writer that has landed 100 steps
            WriterConfig.Topics topics = topics("rebalance");
            List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 400, 14);
            produce(topics, steps.subList(0, 100));
            WriterConfig config = config(flaky.jdbcUrl(), topics, "rebalance").withConsumerOverrides(Map.of("max.poll.records", "300"));
            try (JdbiWriter first = JdbiWriter.start(config)) {
                first.awaitCaughtUp(CATCH_UP);

                // when: the database goes away, trades keep coming, and a second writer joins the group
                flaky.stop();
                produce(topics, steps.subList(100, 400));
                Landing.await("the first writer waiting for the database", Duration.ofSeconds(30), () -> first.retries() >= 2);
                try (JdbiWriter second = JdbiWriter.start(config)) {
                    Landing.await("two members in the group, each with partitions", Duration.ofSeconds(30),
                            () -> membersWithPartitions("rebalance") == 2);
                    long firstRetries = first.retries();
                    Landing.await("both writers waiting after the rebalance", Duration.ofSeconds(30),
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
            assertThat(trainingLogSteps(db)).isEqualTo("[400, 400, 400]");
            assertThat(JdbiWriter.rowCounts(db)).containsEntry("agent_performance", 9L).containsEntry("metalearner_weights", 40L);
            assertThat(Landing.dump(db, "agent_performance")).extracting(r -> r.get("current_weight"))
                    .containsExactlyInAnyOrderElementsOf(steps.get(399).performance().stream().map(a -> (Object) a.getCurrentWeight()).toList());
        }
    }

    private static int membersWithPartitions(String group) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            return (int) admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().stream()
                    .filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void aReadOnlyDatabaseIsWaitedForNotDeadLettered() throws Exception {
        // given: 20 steps landed
        WriterConfig.Topics topics = topics("readonly");
        String database = Landing.createDatabase(postgres, "readonly");
        List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 40, 8);
        produce(topics, steps.subList(0, 20));
        Jdbi admin = Jdbi.create(postgres.dataSource());
        try (JdbiWriter writer = JdbiWriter.start(config(database, topics, "readonly"))) {
            writer.awaitCaughtUp(CATCH_UP);

            // when: the database turns read-only (as a standby does in a failover; SQLState 25006) and
            // drops the writer's connection, while trades keep coming
            admin.useHandle(h -> {
                h.execute("ALTER DATABASE readonly SET default_transaction_read_only = on");
                h.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'readonly'");
            });
            produce(topics, steps.subList(20, 40));
            long retries = writer.retries();
            Landing.await("two retries against the read-only database", Duration.ofSeconds(30),
                    () -> writer.retries() >= retries + 2);
            assertThat(writer.isRunning()).isTrue();
            admin.useHandle(h -> h.execute("ALTER DATABASE readonly SET default_transaction_read_only = off"));

            // then: everything lands, nothing is dead-lettered
            writer.awaitCaughtUp(CATCH_UP);
            assertThat(writer.deadLettered()).isZero();
        }
        assertThat(trainingLogSteps(Landing.jdbi(database))).isEqualTo("[40, 40, 40]");
    }

    @Test
    void aSchemaRegistryOutageIsWaitedForAndNothingIsLost() throws Exception {
        // given: trades on the topics, and the registry away (503) when the writer starts
        WriterConfig.Topics topics = topics("registry");
        String database = Landing.createDatabase(postgres, "registry");
        produce(topics, TradeHistory.generate(MODEL, 20, 10));
        try (RegistryProxy proxy = new RegistryProxy(registry.url())) {
            proxy.takeDown();
            WriterConfig config = WriterConfig.of(broker.bootstrapServers(), proxy.apiUrl(), database, EmbeddedDatabase.USER,
                    EmbeddedDatabase.PASSWORD).withGroupId("registry").withTopics(topics);
            try (JdbiWriter writer = JdbiWriter.start(config)) {
                // when: it cannot read a writer schema
                Landing.await("two retries while the registry is away", Duration.ofSeconds(30), () -> writer.retries() >= 2);
                assertThat(writer.isRunning()).isTrue();
                assertThat(writer.deadLettered()).isZero();
                proxy.bringBack();

                // then: everything lands, nothing is dead-lettered
                writer.awaitCaughtUp(CATCH_UP);
                assertThat(writer.deadLettered()).isZero();
            }
        }
        assertThat(trainingLogSteps(Landing.jdbi(database))).isEqualTo("[20, 20, 20]");
    }

    @Test
    void aRegistryUrlThatIsNotTheRegistryStopsTheWriterInsteadOfDeadLetteringEverything() throws Exception {
        // given: registry.url names an API the registry does not serve, so every schema lookup is a 404
        WriterConfig.Topics topics = topics("wrong-registry");
        String database = Landing.createDatabase(postgres, "wrong_registry");
        produce(topics, TradeHistory.generate(MODEL, 5, 12));
        WriterConfig config = WriterConfig.of(broker.bootstrapServers(), registry.url() + "/apis/nothing/v9", database,
                EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD).withGroupId("wrong-registry").withTopics(topics);

        // when
        try (JdbiWriter writer = JdbiWriter.start(config)) {
            // then
            assertThat(writer.awaitStopped(CATCH_UP)).isTrue();
            assertThat(writer.failure()).hasMessageContaining("registry.url").hasMessageContaining("/apis/nothing/v9");
            assertThat(writer.deadLettered()).isZero();
        }
        assertThat(Landing.committedOffsets(broker.bootstrapServers(), "wrong-registry")).isEmpty();
    }

    @Test
    void aDeadLetterTheBrokerRefusesStopsTheWriterUncommittedAndTheNextWriterDeadLettersIt() throws Exception {
        // given: a record the writer cannot use, and a dead-letter topic that takes nothing that big
        WriterConfig.Topics topics = topics("letters");
        String database = Landing.createDatabase(postgres, "letters");
        maxMessageBytes(topics.deadLetter(), "200");
        List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 5, 13);
        produce(topics, steps.subList(0, 2));
        long poisonOffset;
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            poisonOffset = raw.send(new ProducerRecord<>(topics.trainingLog(), MODEL.getBytes(),
                    "not avro at all".repeat(20).getBytes())).get().offset();
        }
        produce(topics, steps.subList(2, 5));

        // when
        try (JdbiWriter writer = JdbiWriter.start(config(database, topics, "letters"))) {
            // then: it stops rather than commit past a record whose dead letter went nowhere
            assertThat(writer.awaitStopped(CATCH_UP)).isTrue();
            assertThat(writer.failure()).hasMessageContaining("dead letter").hasMessageContaining(topics.deadLetter())
                    .hasMessageContaining("RecordTooLarge");
            assertThat(writer.deadLettered()).isZero();
        }
        assertThat(Landing.committedOffsets(broker.bootstrapServers(), "letters").getOrDefault(new TopicPartition(topics.trainingLog(), 0), 0L))
                .as("committed training-log offset: not past the unusable record").isLessThanOrEqualTo(poisonOffset);

        // and when: the topic takes it again, the next writer dead-letters the record and lands the rest
        maxMessageBytes(topics.deadLetter(), "1048588");
        try (JdbiWriter writer = JdbiWriter.start(config(database, topics, "letters"))) {
            writer.awaitCaughtUp(CATCH_UP);
            assertThat(writer.deadLettered()).isEqualTo(1);
        }
        List<DeadLetter> letters = Landing.readDeadLetters(broker.bootstrapServers(), registry.apiUrl(), topics.deadLetter(), 1);
        assertThat(letters).extracting(DeadLetter::getSourceOffset, DeadLetter::getReason).containsExactly(tuple(poisonOffset, "unreadable"));
        assertThat(trainingLogSteps(Landing.jdbi(database))).isEqualTo("[5, 5, 5]");
    }

    private static void maxMessageBytes(String topic, String bytes) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry("max.message.bytes", bytes), AlterConfigOp.OpType.SET)))).all().get();
        }
    }

    @Test
    void aMissingColumnStopsTheWriterNamingTheSqlStateAndCommitsNothingOfTheBatch() throws Exception {
        // given: 10 steps landed
        WriterConfig.Topics topics = topics("fatal");
        String database = Landing.createDatabase(postgres, "fatal");
        List<TradeHistory.Step> steps = TradeHistory.generate(MODEL, 20, 9);
        produce(topics, steps.subList(0, 10));
        Jdbi db = Landing.jdbi(database);
        try (JdbiWriter writer = JdbiWriter.start(config(database, topics, "fatal"))) {
            writer.awaitCaughtUp(CATCH_UP);
            var committed = Landing.committedOffsets(broker.bootstrapServers(), "fatal");

            // when: someone renamed a column the upsert writes (SQLState 42703), and trades keep coming
            db.useHandle(h -> h.execute("ALTER TABLE metalearner_training_log RENAME COLUMN loss TO loss_renamed"));
            produce(topics, steps.subList(10, 20));

            // then: the writer stops with an error naming the SQLState; nothing of the batch is committed or dead-lettered
            assertThat(writer.awaitStopped(CATCH_UP)).isTrue();
            assertThat(writer.failure()).hasMessageContaining("SQLState 42703").hasMessageContaining("loss");
            assertThat(writer.deadLettered()).isZero();
            assertThat(Landing.committedOffsets(broker.bootstrapServers(), "fatal")).isEqualTo(committed);
        }
        assertThat(Landing.dump(db, "agent_performance")).extracting(r -> r.get("training_step")).containsOnly(10L);

        // and when: the database is fixed and the writer started again, it lands the rest
        db.useHandle(h -> h.execute("ALTER TABLE metalearner_training_log RENAME COLUMN loss_renamed TO loss"));
        try (JdbiWriter writer = JdbiWriter.start(config(database, topics, "fatal"))) {
            writer.awaitCaughtUp(CATCH_UP);
        }
        assertThat(trainingLogSteps(db)).isEqualTo("[20, 20, 20]");
    }
}
