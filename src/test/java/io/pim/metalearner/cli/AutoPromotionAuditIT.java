package io.pim.metalearner.cli;

import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import io.pim.metalearner.avro.Alert;
import io.pim.metalearner.avro.AlertState;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.tools.embedded.EmbeddedDatabase;
import io.pim.metalearner.sink.JdbiWriter;
import io.pim.metalearner.sink.Migrations;
import io.pim.metalearner.sink.WriterConfig;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.kafka.TradePublisher;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.PostgresExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestConsumers;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TestNames;
import io.pim.metalearner.testing.TestPostgres;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * An automatic promotion that happens, visible in PostgreSQL and in the alerts, on a real broker,
 * Apicurio and PostgreSQL: the service races the {@code ridge} candidate on a simulated skills desk
 * under {@code promotion.policy=auto}, promotes it through the commands topic, and the JDBI writer
 * lands that promotion and its result as one row of {@code metalearner_commands}.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class, PostgresExtension.class})
class AutoPromotionAuditIT {
    private static final Duration OUTPUT = Duration.ofSeconds(180);
    private static final String LIVE = "default";
    private static final String RIDGE = "default~ridge";
    private static final int TRADES = 1_000;

    @TempDir
    Path dir;

    @Test
    void anAutomaticPromotionLandsInPostgresAsAnAppliedPromoteIssuedByTheService(TestKafka kafka, EmbeddedRegistry registry,
                                                                                  TestPostgres postgres) throws Exception {
        // given: a service racing ridge beside the live model, promoting automatically, and the writer on its topics
        Properties p = ServiceProperties.isolated("auto-promotion", kafka, registry.apiUrl(), dir.resolve("state"));
        Map.of("candidates", "ridge", "race.window", "300", "promotion.min-trades", "200", "promotion.significance", "0.01",
                "promotion.policy", "auto", "promotion.cooldown", "100000").forEach(p::setProperty);
        ServiceConfig config = ServiceProperties.config(p);
        Topics topics = Topics.of(config);
        String jdbcUrl = postgres.createDatabase("autopromotion").jdbcUrl();
        WriterConfig writerConfig = WriterConfig.of(config.bootstrapServers(), registry.apiUrl(), jdbcUrl, EmbeddedDatabase.USER,
                EmbeddedDatabase.PASSWORD).withGroupId(TestNames.unique("writer")).withTopics(new WriterConfig.Topics(
                topics.trainingLog().name(), topics.agentPerformance().name(), topics.weightSnapshots().name(),
                topics.checkpoints().name(), topics.commands().name(), topics.commandResults().name(),
                topics.deadLetter().name()));
        Jdbi db = Jdbi.create(jdbcUrl, EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD);
        // the writer migrates on its own thread: the schema must exist before the table is polled
        Migrations.migrate(writerConfig.database().dataSource());
        try (LearningService service = start(kafka, config); JdbiWriter writer = JdbiWriter.start(writerConfig)) {

            // when: the broker side publishes a simulated skills desk's trades
            try (TradePublisher publisher = TradePublisher.batch(new KafkaClients(config), topics, 5)) {
                TradeSimulator desk = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, 5, TradeSimulator.Scenario.SKILLS, TRADES);
                while (desk.hasNext()) publisher.publish(desk.next());
                publisher.flush();
            }

            // then: PostgreSQL shows one promotion, issued by the service, with its outcome
            Await.until("an automatic promotion and its result in metalearner_commands", OUTPUT, () -> db.withHandle(h -> h.createQuery(
                    "SELECT count(*) FROM metalearner_commands WHERE issued_by = 'auto-promotion' AND outcome IS NOT NULL")
                    .mapTo(Long.class).one()) > 0);
            writer.awaitCaughtUp(OUTPUT);
            List<List<Object>> rows = db.withHandle(h -> h.createQuery("""
                    SELECT command_id, model_id, type, from_model, issued_by, outcome, training_step, fingerprint, state_bytes
                    FROM metalearner_commands ORDER BY command_id""").map((rs, ctx) -> {
                List<Object> row = new ArrayList<>();
                for (int c = 1; c <= 9; c++) row.add(rs.getObject(c));
                return row;
            }).list());
            // the service's own result for it is the row's outcome, step and fingerprint
            CommandResult result = readToEnd(config, topics.commandResults()).stream().filter(CommandResult::getApplied)
                    .reduce((a, b) -> b).orElseThrow();
            // (a promotion carries no state: state_bytes is NULL)
            assertThat(rows).containsExactly(Arrays.asList(result.getCommandId(), LIVE, "promote", RIDGE, "auto-promotion",
                    "applied", result.getTrainingStep(), result.getFingerprint(), null));
            assertThat(result.getCommandId()).startsWith("auto-promotion:" + LIVE + ":");
            // and the alerts told of it: candidate-better raised for the live model, cleared when its learner was replaced
            assertThat(readToEnd(config, topics.alerts())).filteredOn(a -> a.getType().equals("candidate-better"))
                    .extracting(Alert::getModelId, Alert::getState)
                    .containsExactly(tuple(LIVE, AlertState.RAISED), tuple(LIVE, AlertState.CLEARED));
        }
    }

    private static LearningService start(TestKafka kafka, ServiceConfig config) throws Exception {
        return ServiceProperties.startRunning(kafka, config);
    }

    /** Every committed record value of the topic, each partition to its end now. */
    private static <V> List<V> readToEnd(ServiceConfig config, Topic<String, V> topic) {
        List<V> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                config.bootstrapServers(), ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = TestConsumers.fromStart(consumer, topic.name());
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
        }
        return out;
    }
}
