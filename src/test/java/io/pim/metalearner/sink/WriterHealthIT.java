package io.pim.metalearner.sink;

import io.pim.metalearner.testing.Landing;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.PostgresExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TestNames;
import io.pim.metalearner.testing.TestPostgres;
import io.pim.metalearner.testing.TradeHistory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The writer's health listener over a real writer (shared broker, registry, PostgreSQL): what its probes see. */
@ExtendWith({KafkaExtension.class, RegistryExtension.class, PostgresExtension.class})
class WriterHealthIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Duration MAX_POLL = Duration.ofMinutes(5);

    @Test
    void aWriterIsReadyOnceItHasMigratedAndNotAliveOnceItHasStopped(TestKafka kafka, EmbeddedRegistry registry,
                                                                   TestPostgres postgres) throws Exception {
        // given a writer on a reachable database, with its health listener
        String group = TestNames.unique("writer-health");
        WriterConfig.Topics topics = Landing.topics(group);
        Landing.createTopics(kafka, topics);
        WriterConfig config = Landing.writerConfig(kafka, registry.apiUrl(), postgres.createDatabase("health").jdbcUrl(),
                topics, group);
        JdbiWriter writer = JdbiWriter.start(config);
        try (WriterHealth health = WriterHealth.start(writer, 0, MAX_POLL)) {
            // then it turns ready once migrated, and is alive
            Await.until("the writer is ready", WAIT, () -> get(health, WriterHealth.READY_PATH).statusCode() == 200);
            assertThat(state(get(health, WriterHealth.READY_PATH))).isEqualTo("WRITING");
            assertThat(get(health, WriterHealth.LIVE_PATH).statusCode()).isEqualTo(200);

            // when the writer stops
            writer.close();

            // then it is neither alive nor ready: the orchestrator restarts it
            HttpResponse<String> live = get(health, WriterHealth.LIVE_PATH);
            assertThat(live.statusCode()).isEqualTo(503);
            assertThat(state(live)).isEqualTo("STOPPED");
            assertThat(get(health, WriterHealth.READY_PATH).statusCode()).isEqualTo(503);
        } finally {
            writer.close();
        }
    }

    @Test
    void theWritersMetricsCountRowsPerTableBatchesAndShowItsLag(TestKafka kafka, EmbeddedRegistry registry,
                                                               TestPostgres postgres) throws Exception {
        // given twenty steps of one model on the landed topics, and a writer with its health listener
        String group = TestNames.unique("writer-metrics");
        WriterConfig.Topics topics = Landing.topics(group);
        Landing.createTopics(kafka, topics);
        Landing.produce(kafka.bootstrapServers(), registry.apiUrl(), topics, TradeHistory.generate("default", 20, 3));
        WriterConfig config = Landing.writerConfig(kafka, registry.apiUrl(), postgres.createDatabase("metrics").jdbcUrl(),
                topics, group);
        try (JdbiWriter writer = JdbiWriter.start(config);
             WriterHealth health = WriterHealth.start(writer, 0, MAX_POLL)) {
            // when it has landed them
            writer.awaitCaughtUp(WAIT);

            // then /metrics counts the rows per table and the batches, says it is ready, and shows the
            // consumer's lag per partition once the binder has seen the assignment
            Await.until("the writer's lag per partition on /metrics", WAIT,
                    () -> get(health, WriterHealth.METRICS_PATH).body().contains("kafka_consumer_fetch_manager_records_lag{"));
            HttpResponse<String> metrics = get(health, WriterHealth.METRICS_PATH);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            assertThat(metrics.body())
                    .contains("metalearner_writer_rows_total{table=\"metalearner_training_log\"} 20.0")
                    .contains("metalearner_writer_rows_total{table=\"metalearner_weights\"} 2.0")
                    .contains("metalearner_writer_rows_total{table=\"metalearner_commands\"} 0.0")
                    .contains("metalearner_writer_dead_letters_total{reason=\"database-refused\"} 0.0")
                    .contains("metalearner_writer_ready 1.0")
                    .contains("jvm_memory_used_bytes{")
                    .containsPattern("metalearner_writer_batches_total [1-9]")
                    .containsPattern("metalearner_writer_rows_total\\{table=\"agent_performance\"} [1-9]");
        }
    }

    @Test
    void aWriterWaitingForItsDatabaseIsAliveButNotReady(TestKafka kafka, EmbeddedRegistry registry) throws Exception {
        // given a writer whose database does not answer (a port nothing listens on)
        String group = TestNames.unique("writer-waits");
        WriterConfig.Topics topics = Landing.topics(group);
        Landing.createTopics(kafka, topics);
        WriterConfig config = Landing.writerConfig(kafka, registry.apiUrl(),
                "jdbc:postgresql://localhost:" + closedPort() + "/nothing", topics, group);
        try (JdbiWriter writer = JdbiWriter.start(config);
             WriterHealth health = WriterHealth.start(writer, 0, MAX_POLL)) {
            // then, once it waits, it says what for, and is not restarted for it (a restart brings no database back)
            Await.until("the writer waits for its database", WAIT,
                    () -> "WAITING".equals(state(get(health, WriterHealth.READY_PATH))));
            HttpResponse<String> ready = get(health, WriterHealth.READY_PATH);
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(ready.body()).get("detail").asText()).contains("the database at");
            assertThat(get(health, WriterHealth.LIVE_PATH).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theHealthPortIsAWriterConfigKeyOffByDefault() {
        // given the writer's config without and with health.port
        WriterConfig defaults = WriterConfig.of("localhost:9092", "http://localhost:8080/apis/registry/v3",
                "jdbc:postgresql://localhost/db", "", "");
        WriterConfig set = defaults.with(Map.of("health.port", "8081"));

        // then it is off unless set, and the liveness limit follows the consumer's max.poll.interval.ms
        assertThat(defaults.healthPort()).isZero();
        assertThat(set.healthPort()).isEqualTo(8081);
        assertThat(defaults.maxPollInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(defaults.withConsumerOverrides(Map.of("max.poll.interval.ms", "60000")).maxPollInterval())
                .isEqualTo(Duration.ofMinutes(1));
    }

    private static String state(HttpResponse<String> response) throws Exception {
        JsonNode body = JSON.readTree(response.body());
        return body.get("state").asText();
    }

    private static HttpResponse<String> get(WriterHealth health, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + health.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
