package io.pim.metalearner.cli;

import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pim.metalearner.api.ApiConfig;
import io.pim.metalearner.api.HttpService;
import io.pim.metalearner.api.ServiceMetrics;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.tools.embedded.EmbeddedDatabase;
import io.pim.metalearner.sink.JdbiWriter;
import io.pim.metalearner.sink.WriterConfig;
import io.pim.metalearner.kafka.CheckpointKeys;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.kafka.TradePublisher;
import io.pim.metalearner.stream.TrainingReplay;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two ways a model gets a learner from outside, as a user types them, on a real broker, Apicurio and
 * PostgreSQL: {@code rollback --from-database} (the service checkpoints, the writer lands the
 * checkpoints, ops restore one by step or by accuracy, from the CLI and the admin endpoint) and {@code pretrain} (a candidate learns a
 * history file, is installed and checkpointed, then learns the live model's trades).
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class, PostgresExtension.class})
class DatabaseRollbackAndPretrainIT {
    private static final JsonMapper JSON = new JsonMapper();
    private static final Duration OUTPUT = Duration.ofSeconds(120);
    private static final String LIVE = "default";
    private static final String ADMIN_TOKEN = "db-rollback-admin-token-0123456789";
    private static TestKafka kafka;
    private static EmbeddedRegistry registry;
    private static TestPostgres postgres;

    @TempDir
    Path dir;

    @BeforeAll
    static void sharedStack(TestKafka sharedKafka, EmbeddedRegistry sharedRegistry, TestPostgres server) {
        kafka = sharedKafka;
        registry = sharedRegistry;
        postgres = server;
    }

    @Test
    void opsRestoreACheckpointFromPostgresByStepAndByAccuracy() throws Exception {
        // given: a service checkpointing every 10 steps, the writer landing its topics, and 50 trades learned
        String jdbcUrl = postgres.createDatabase("dbrollback").jdbcUrl();
        Path configFile = configFile("db-rollback", Map.of("checkpoint.every", "10", "http.port", "0",
                "http.admin-token", ADMIN_TOKEN, "http.rollback-database.url", jdbcUrl,
                "http.rollback-database.user", EmbeddedDatabase.USER, "http.rollback-database.password", EmbeddedDatabase.PASSWORD));
        ServiceConfig config = ServiceConfig.load(configFile, Map.of());
        Topics topics = Topics.of(config);
        WriterConfig writerConfig = WriterConfig.of(config.bootstrapServers(), registry.apiUrl(), jdbcUrl, EmbeddedDatabase.USER,
                EmbeddedDatabase.PASSWORD).withGroupId(TestNames.unique("writer")).withTopics(new WriterConfig.Topics(
                topics.trainingLog().name(), topics.agentPerformance().name(), topics.weightSnapshots().name(),
                topics.checkpoints().name(), topics.commands().name(), topics.commandResults().name(),
                topics.deadLetter().name()));
        Path database = dir.resolve("writer.properties");
        Files.writeString(database, "jdbc.url=" + jdbcUrl + "\njdbc.user=" + EmbeddedDatabase.USER + "\njdbc.password="
                + EmbeddedDatabase.PASSWORD + "\n");
        Jdbi db = Jdbi.create(jdbcUrl, EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD);
        try (LearningService service = start(config); JdbiWriter writer = JdbiWriter.start(writerConfig);
             ServiceMetrics metrics = new ServiceMetrics();
             HttpService api = HttpService.start(service, metrics, ApiConfig.from(config),
                     DatabaseRollback.forAdmin(config.rollbackDatabase()))) {
            publish(config, topics, trades(3, 50));
            List<WeightsUpdated> updates = awaitUpdates(config, topics, LIVE, 50);
            writer.awaitCaughtUp(OUTPUT);

            // then: the five checkpoints are in PostgreSQL with the fingerprint and rolling accuracy of their steps
            List<List<Object>> rows = db.withHandle(h -> h.createQuery("SELECT training_step, fingerprint, prediction_accuracy, "
                    + "source_offset FROM metalearner_checkpoints WHERE model_id = 'default' AND deleted_at IS NULL ORDER BY training_step")
                    .map((rs, ctx) -> List.<Object>of(rs.getLong(1), rs.getString(2), rs.getDouble(3), rs.getLong(4))).list());
            assertThat(rows).extracting(r -> r.get(0)).containsExactly(10L, 20L, 30L, 40L, 50L);
            for (List<Object> row : rows) {
                WeightsUpdated at = updates.get((int) (long) (Long) row.get(0) - 1);
                assertThat(row.get(1)).isEqualTo(at.getFingerprint());
                assertThat(row.get(2)).isEqualTo(at.getRollingDirectionAccuracy());
                assertThat(row.get(3)).isEqualTo(at.getSourceOffset());
            }

            // when: ops restore the checkpoint at or before step 35 from the database
            JsonNode byStep = cli("rollback", "--config", configFile.toString(), "--from-database", "--database-config",
                    database.toString(), "--model", LIVE, "--step", "35");

            // then: the model is step 30's learner, byte for byte, restored through the commands topic
            assertThat(byStep.get("applied").asBoolean()).isTrue();
            assertThat(byStep.get("type").asText()).isEqualTo("restore");
            assertThat(byStep.get("training_step").asLong()).isEqualTo(30);
            assertThat(byStep.get("fingerprint").asText()).isEqualTo(rows.get(2).get(1));

            // and the restore started a new line: the service deleted the old checkpoints, the writer marks them
            Await.until("the old checkpoints marked deleted", Duration.ofSeconds(120), () -> db.withHandle(h -> h.createQuery(
                    "SELECT count(*) FROM metalearner_checkpoints WHERE deleted_at IS NOT NULL").mapTo(Long.class).one()) == 5);
            StringWriter err = new StringWriter();
            assertThat(run(new StringWriter(), err, "rollback", "--config", configFile.toString(), "--from-database",
                    "--database-config", database.toString(), "--min-accuracy", "0")).isEqualTo(1);
            assertThat(err.toString()).contains("5 deleted by the service; --include-deleted reaches them");

            // when: ops restore the newest checkpoint whose accuracy is above step 20's, deleted ones included
            double threshold = (Double) rows.get(1).get(2) - 1e-9;
            List<List<Object>> newestFirst = new ArrayList<>(rows);
            java.util.Collections.reverse(newestFirst);
            List<Object> expected = newestFirst.stream().filter(r -> (Double) r.get(2) > threshold).findFirst().orElseThrow();
            JsonNode byAccuracy = cli("rollback", "--config", configFile.toString(), "--from-database", "--database-config",
                    database.toString(), "--min-accuracy", Double.toString(threshold), "--include-deleted");

            // then: that checkpoint's learner is live
            assertThat(byAccuracy.get("training_step").asLong()).isEqualTo(expected.get(0));
            assertThat(byAccuracy.get("fingerprint").asText()).isEqualTo(expected.get(1));
            assertThat(lastOf(awaitUpdates(config, topics, LIVE, 52), LIVE).getFingerprint()).isEqualTo(expected.get(1));


            // when: the same over the admin endpoint: step 20's checkpoint, then an accuracy none has, then no token
            HttpResponse<String> restored = admin(api.port(), "rollback?model_id=default&from_database=true&to_step=20"
                    + "&include_deleted=true", "Bearer " + ADMIN_TOKEN);
            HttpResponse<String> noneAbove = admin(api.port(), "rollback?model_id=default&from_database=true&min_accuracy=1"
                    + "&include_deleted=true", "Bearer " + ADMIN_TOKEN);
            HttpResponse<String> anonymous = admin(api.port(), "rollback?model_id=default&from_database=true&to_step=20", null);

            // then: 200 with step 20's learner, 404 saying why, 401
            assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
            assertThat(JSON.readTree(restored.body()).get("training_step").asLong()).isEqualTo(20);
            assertThat(JSON.readTree(restored.body()).get("fingerprint").asText()).isEqualTo(rows.get(1).get(1));
            assertThat(noneAbove.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(noneAbove.body()).get("error").asText()).isEqualTo("no-checkpoint");
            assertThat(JSON.readTree(noneAbove.body()).get("detail").asText()).contains("best recorded accuracy");
            assertThat(anonymous.statusCode()).isEqualTo(401);

            // when: there is no such checkpoint, or no database
            StringWriter none = new StringWriter(), away = new StringWriter(), usage = new StringWriter();
            int noneCode = run(new StringWriter(), none, "rollback", "--config", configFile.toString(), "--from-database",
                    "--database-config", database.toString(), "--step", "5", "--include-deleted");
            int awayCode = run(new StringWriter(), away, "rollback", "--config", configFile.toString(), "--from-database",
                    "--database-config", database.toString(), "--jdbc-url", "jdbc:postgresql://127.0.0.1:" + freePort() + "/none",
                    "--step", "35");
            int usageCode = run(new StringWriter(), usage, "rollback", "--config", configFile.toString(), "--min-accuracy", "0.5");

            // then: each says so, and nothing was sent
            assertThat(noneCode).isEqualTo(1);
            assertThat(none.toString()).contains("no checkpoint in the database at or before step 5").contains("steps 10 to 50");
            assertThat(awayCode).isEqualTo(1);
            assertThat(away.toString()).contains("cannot reach the database at jdbc:postgresql://127.0.0.1:");
            assertThat(usageCode).isEqualTo(2);
            assertThat(usage.toString()).contains("--min-accuracy needs --from-database");
        }
    }

    @Test
    void aCandidatePretrainedOnAFileIsInstalledCheckpointedAndLearnsLive() throws Exception {
        // given: a service whose model has learned 20 trades, and a history file of 30 trades with two broken lines
        Path configFile = configFile("pretrain", Map.of("checkpoint.every", "10"));
        ServiceConfig config = ServiceConfig.load(configFile, Map.of());
        Topics topics = Topics.of(config);
        List<String> history = trades(9, 30);
        List<String> file = new ArrayList<>(history);
        file.add(4, "this is not a trade");
        file.add(11, "{\"decision_id\":\"bad-1\",\"action\":\"BUY\",\"entry_price\":100.0,\"exit_price\":101.0,"
                + "\"agent_votes\":{\"TradingAgent\":{\"direction\":\"LONG\",\"confidence\":1.5,\"position_size\":1.0}}}");
        Path input = dir.resolve("history.jsonl");
        Files.write(input, file);
        LearningService service = start(config);
        try {
            publish(config, topics, trades(5, 20));
            awaitUpdates(config, topics, LIVE, 20);

            // when
            StringWriter out = new StringWriter(), err = new StringWriter();
            int code = run(out, err, "pretrain", "--config", configFile.toString(), "--input", input.toString(), "--as", "pre");

            // then: installed at the step of the 30 good trades, with the learner `learn` would make of them
            assertThat(code).as("stderr: %s", err).isZero();
            JsonNode installed = lastLine(out.toString());
            Learner offline = Learner.create(config.learner());
            history.forEach(line -> offline.train(FeedbackJson.parse(line)));
            assertThat(installed.get("applied").asBoolean()).isTrue();
            assertThat(installed.get("model_id").asText()).isEqualTo("pre");
            assertThat(installed.get("training_step").asLong()).isEqualTo(30);
            assertThat(installed.get("fingerprint").asText()).isEqualTo(offline.fingerprint());
            assertThat(installed.at("/input/trades").asLong()).isEqualTo(32);
            assertThat(installed.at("/input/trained").asLong()).isEqualTo(30);
            assertThat(installed.at("/input/rejected/unreadable").asInt()).isEqualTo(1);
            assertThat(installed.at("/input/rejected/confidence-out-of-range").asInt()).isEqualTo(1);
            // and each broken line is named with its number and reason
            assertThat(err.toString()).contains("pretrain: line 5 rejected (unreadable)")
                    .contains("pretrain: line 12 rejected (confidence-out-of-range)");
            // and the service checkpointed it on install
            assertThat(readToEnd(config, topics.checkpoints())).filteredOn(r -> r.key().equals(CheckpointKeys.key("pre", 30)))
                    .extracting(r -> r.value().getFingerprint()).containsExactly(offline.fingerprint());

            // when: the live model's next trades come
            publish(config, topics, trades(6, 10));

            // then: the candidate learns each of them, from the first after its install, exactly as offline
            WeightsUpdated candidate = lastOf(awaitUpdates(config, topics, "pre", 1 + 10), "pre");
            assertThat(candidate.getTrainingStep()).isEqualTo(40);
            Learner followed = TrainingReplay.candidate(config, offline, LIVE, installed.get("training_offset").asLong(),
                    TrainingReplay.Progress.NONE).learner();
            assertThat(followed.step()).isEqualTo(40);
            assertThat(candidate.getFingerprint()).isEqualTo(followed.fingerprint());

            // when: the live model does not exist
            StringWriter unknown = new StringWriter();
            int unknownCode = run(new StringWriter(), unknown, "pretrain", "--config", configFile.toString(), "--input",
                    input.toString(), "--as", "p2", "--model", "nobody");
            // then
            assertThat(unknownCode).isEqualTo(1);
            assertThat(unknown.toString()).contains("unknown model 'nobody'");
        } finally {
            service.close();
        }

        // when: the service is down
        StringWriter down = new StringWriter();
        int downCode = run(new StringWriter(), down, "pretrain", "--config", configFile.toString(), "--input", input.toString(),
                "--as", "p3", "--timeout", "5s");
        // then: no answer in time; the install waits on the commands topic
        assertThat(downCode).isEqualTo(Main.EXIT_NO_ANSWER);
        assertThat(down.toString()).contains("stays on topic '" + topics.commands().name() + "'");
    }

    /** n simulated trades, one feedback body per line. */
    private static List<String> trades(long seed, int n) {
        TradeSimulator simulator = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, seed, TradeSimulator.Scenario.SKILLS, n);
        List<String> lines = new ArrayList<>();
        while (simulator.hasNext()) lines.add(simulator.next());
        return lines;
    }

    private Path configFile(String name, Map<String, String> settings) throws Exception {
        Properties p = ServiceProperties.isolated(name, kafka, registry.apiUrl(), dir.resolve("state"));
        settings.forEach(p::setProperty);
        return ServiceProperties.write(p, dir.resolve("service.properties"));
    }

    private static LearningService start(ServiceConfig config) throws Exception {
        return ServiceProperties.startRunning(kafka, config);
    }

    /** The broker side: each line's votes, then its close. */
    private static void publish(ServiceConfig config, Topics topics, List<String> lines) {
        try (TradePublisher publisher = TradePublisher.batch(new KafkaClients(config), topics, 5)) {
            lines.forEach(publisher::publish);
            publisher.flush();
        }
    }

    /** The model's weights-updated records so far, once there are at least {@code n}. */
    private static List<WeightsUpdated> awaitUpdates(ServiceConfig config, Topics topics, String modelId, int n) {
        List<WeightsUpdated> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                config.bootstrapServers(), ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                topics.weightsUpdated().keySerde().deserializer(), topics.weightsUpdated().valueSerde().deserializer())) {
            TestConsumers.fromStart(consumer, topics.weightsUpdated().name());
            long deadline = System.nanoTime() + OUTPUT.toNanos();
            while (out.size() < n && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value().getModelId().equals(modelId)) out.add(r.value());
                });
            }
        }
        assertThat(out).as("weights-updated records of " + modelId).hasSizeGreaterThanOrEqualTo(n);
        return out;
    }

    private static WeightsUpdated lastOf(List<WeightsUpdated> updates, String modelId) {
        return updates.stream().filter(u -> u.getModelId().equals(modelId)).reduce((a, b) -> b).orElseThrow();
    }

    /** Every committed record of the topic, each partition to its end now. */
    private static <V> List<ConsumerRecord<String, V>> readToEnd(ServiceConfig config, Topic<String, V> topic) {
        List<ConsumerRecord<String, V>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                config.bootstrapServers(), ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = TestConsumers.fromStart(consumer, topic.name());
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private JsonNode cli(String... args) throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertThat(run(out, err, args)).as("exit code of %s; stderr: %s", args[0], err).isZero();
        return lastLine(out.toString());
    }

    private static JsonNode lastLine(String out) throws Exception {
        String[] lines = out.strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private static HttpResponse<String> admin(int port, String pathAndQuery, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/pim/metalearner/admin/"
                + pathAndQuery)).timeout(Duration.ofSeconds(90)).POST(HttpRequest.BodyPublishers.noBody());
        if (authorization != null) request.header("Authorization", authorization);
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws Exception {
        try (var socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
