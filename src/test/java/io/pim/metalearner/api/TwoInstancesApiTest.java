package io.pim.metalearner.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.ops.EmbeddedRegistry;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.stream.LearningTopology;
import io.pim.metalearner.stream.ServiceConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.Test;

/**
 * Two instances of the service in one group: the model trains on one of them, and both answer
 * its status, the other by fetching the model's state from its holder (application.server). They
 * share an admin token, which the state path requires.
 */
class TwoInstancesApiTest {

    static final String TOKEN = "two-instances-admin-token";

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void bothInstancesAnswerForTheModelWhicheverHoldsIt() throws Exception {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            // given a broker, a registry and two instances of the service with their HTTP APIs
            KafkaClusterTestKit broker = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .build();
            resources.add(broker);
            broker.format();
            broker.startup();
            broker.waitForReadyBrokers();
            EmbeddedRegistry registry = EmbeddedRegistry.start();
            resources.add(registry);
            List<Instance> instances = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Instance instance = Instance.start(broker.bootstrapServers(), registry.apiUrl());
                resources.add(instance);
                instances.add(instance);
            }
            awaitBothRunning(instances);

            // when a trade is posted to the first instance
            HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + instances.get(0).port + "/api/pim/feedback"))
                    .POST(HttpRequest.BodyPublishers.ofString(ApiEndToEndTest.seedBody("two-1"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);

            // then exactly one instance holds the model, and both report its state
            KeyQueryMetadata owner = instances.get(0).service.streams().queryMetadataForKey(
                    LearningTopology.LEARNER_STORE, "default", Serdes.String().serializer());
            assertThat(owner.activeHost().port()).isIn(instances.get(0).port, instances.get(1).port);
            for (Instance instance : instances) {
                JsonNode status = JSON.readTree(HTTP.send(HttpRequest.newBuilder(
                                URI.create("http://localhost:" + instance.port + "/api/pim/metalearner/status")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                assertThat(status.get("training_step").asLong()).as("instance on port " + instance.port).isEqualTo(1);
                assertThat(status.at("/agent_weights/TradingAgent").asDouble()).isEqualTo(1.02125, org.assertj.core.data.Offset.offset(1e-9));
            }

            // and the holder serves the raw state only with the shared token
            String statePath = "http://localhost:" + owner.activeHost().port() + ApiServer.STATE_PATH + "?model_id=default";
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(statePath)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(statePath)).header("Authorization", "Bearer " + TOKEN).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        } finally {
            for (int i = resources.size() - 1; i >= 0; i--) {
                try {
                    resources.get(i).close();
                } catch (Exception ignored) {
                    // closing in reverse; the test's outcome is already decided
                }
            }
        }
    }

    private static void awaitBothRunning(List<Instance> instances) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            boolean allRunning = instances.stream().allMatch(i -> i.service.streams().state() == KafkaStreams.State.RUNNING);
            KeyQueryMetadata owner = instances.get(0).service.streams().queryMetadataForKey(
                    LearningTopology.LEARNER_STORE, "default", Serdes.String().serializer());
            if (allRunning && owner != null && !owner.equals(KeyQueryMetadata.NOT_AVAILABLE)
                    && instances.get(0).service.streams().metadataForAllStreamsClients().size() == 2) return;
            Thread.sleep(200);
        }
        throw new AssertionError("the two instances did not settle into one group");
    }

    record Instance(int port, ServiceMetrics metrics, LearningService service, HttpService http) implements AutoCloseable {
        static Instance start(String bootstrap, String registryUrl) throws Exception {
            int port = ApiEndToEndTest.freePort();
            Properties p = new Properties();
            p.setProperty("bootstrap.servers", bootstrap);
            p.setProperty("registry.url", registryUrl);
            p.setProperty("state.dir", Files.createTempDirectory("two-instances-").toString());
            p.setProperty("streams.application.server", "localhost:" + port);
            p.setProperty("http.port", Integer.toString(port));
            p.setProperty("http.admin-token", TOKEN);
            p.setProperty("http.feedback.timeout", "20s");
            ServiceConfig config = ServiceConfig.from(p, Map.of());
            ServiceMetrics metrics = new ServiceMetrics();
            LearningService service = new LearningService(config, metrics);
            service.createTopics();
            service.start();
            HttpService http = HttpService.start(service, metrics, ApiConfig.from(config));
            return new Instance(port, metrics, service, http);
        }

        @Override
        public void close() {
            http.close();
            service.close();
            metrics.close();
        }
    }
}
