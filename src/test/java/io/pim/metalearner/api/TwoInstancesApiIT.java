package io.pim.metalearner.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.stream.LearningTopology;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two instances of the service in one group: the model trains on one of them, and both answer
 * its status, the other by fetching the model's state from its holder (application.server). They
 * share an admin token, which the state path requires.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class TwoInstancesApiIT {

    static final String TOKEN = "two-instances-admin-token";

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void bothInstancesAnswerForTheModelWhicheverHoldsIt(TestKafka kafka, EmbeddedRegistry registry) throws Exception {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            // given two instances of the service (one application id, topics of this test's own) with their HTTP APIs
            Properties shared = ServiceProperties.isolated("two-instances", kafka, registry.apiUrl(),
                    Files.createTempDirectory("two-instances-"));
            List<Instance> instances = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Instance instance = Instance.start(shared);
                resources.add(instance);
                instances.add(instance);
                kafka.awaitLeaders(ServiceProperties.topicNames(instance.service.config()));
            }
            awaitBothRunning(instances);

            // when a trade is posted to the first instance
            HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + instances.get(0).port + "/api/pim/feedback"))
                    .POST(HttpRequest.BodyPublishers.ofString(ApiEndToEndIT.seedBody("two-1"))).build(),
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

            // and both score votes with the model's state, the instance without it with the holder's
            List<JsonNode> predictions = new ArrayList<>();
            for (Instance instance : instances) {
                HttpResponse<String> predicted = HTTP.send(HttpRequest.newBuilder(
                                URI.create("http://localhost:" + instance.port + "/api/pim/metalearner/predict"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"agent_votes\":{\"TradingAgent\":{\"direction\":\"LONG\",\"confidence\":1.0}}}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(predicted.statusCode()).as(predicted.body()).isEqualTo(200);
                predictions.add(JSON.readTree(predicted.body()));
            }
            assertThat(predictions).allSatisfy(p -> {
                assertThat(p.get("training_step").asLong()).isEqualTo(1);
                assertThat(p.at("/committee_score/learned").asDouble()).isEqualTo(1.02125, org.assertj.core.data.Offset.offset(1e-9));
            });
            assertThat(predictions.get(0)).isEqualTo(predictions.get(1));

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

    @Test
    void withSeveralTrainingPartitionsEitherInstanceAnswersForEveryModelAndListsThemWithTheirOwners(TestKafka kafka,
                                                                                                  EmbeddedRegistry registry)
            throws Exception {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            // given two instances over 4 training partitions, and one model per partition
            Properties shared = ServiceProperties.isolated("two-instances-models", kafka, registry.apiUrl(),
                    Files.createTempDirectory("two-instances-"));
            shared.setProperty("training.partitions", "4");
            List<Instance> instances = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Instance instance = Instance.start(shared);
                resources.add(instance);
                instances.add(instance);
                kafka.awaitLeaders(ServiceProperties.topicNames(instance.service.config()));
            }
            awaitBothRunning(instances);
            List<String> models = new ArrayList<>();
            java.util.Set<Integer> partitions = new java.util.HashSet<>();
            for (int i = 0; partitions.size() < 4; i++) {
                if (partitions.add(io.pim.metalearner.kafka.ModelPartitions.of("desk-" + i, 4))) models.add("desk-" + i);
            }

            // when a trade of each model is posted to the first instance
            for (String model : models) {
                String body = ApiEndToEndIT.seedBody("two-" + model).replaceFirst("\\{", "{\"model_id\":\"" + model + "\",");
                HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(
                                URI.create("http://localhost:" + instances.get(0).port + "/api/pim/feedback"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
            }

            // then the models are spread over both instances
            java.util.Map<String, Integer> owners = new java.util.TreeMap<>();
            for (String model : models) {
                owners.put(model, instances.get(0).service.streams().queryMetadataForKey(LearningTopology.LEARNER_STORE,
                        model, Serdes.String().serializer()).activeHost().port());
            }
            assertThat(owners.values()).contains(instances.get(0).port, instances.get(1).port);
            // and each instance answers every model's status, the other's ones included
            for (Instance instance : instances) {
                for (String model : models) {
                    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:"
                            + instance.port + "/api/pim/metalearner/status?model_id=" + model)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(response.statusCode()).as(model + " from " + instance.port).isEqualTo(200);
                    JsonNode status = JSON.readTree(response.body());
                    assertThat(status.get("model_id").asText()).isEqualTo(model);
                    assertThat(status.get("training_step").asLong()).as(model + " from " + instance.port).isEqualTo(1);
                }
                // and lists them all with their owner and step
                JsonNode listed = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:"
                        + instance.port + "/api/pim/metalearner/models")).build(), HttpResponse.BodyHandlers.ofString()).body());
                java.util.Map<String, String> listedOwners = new java.util.TreeMap<>();
                for (JsonNode m : listed.get("models")) {
                    listedOwners.put(m.get("model_id").asText(), m.get("owner").asText());
                    assertThat(m.get("training_step").asLong()).isEqualTo(1);
                }
                java.util.Map<String, String> expected = new java.util.TreeMap<>();
                owners.forEach((model, port) -> expected.put(model, "localhost:" + port));
                assertThat(listedOwners).as("models listed by " + instance.port).isEqualTo(expected);
            }

            // when the second instance's HTTP API is gone while it still holds its models (a host going down)
            Instance holder = instances.get(1), asked = instances.get(0);
            holder.http().close();
            String heldModel = models.stream().filter(m -> owners.get(m) == holder.port).findFirst().orElseThrow();

            // then the first answers 503 with Retry-After for that model and for the list, and says which holder is unreachable
            for (String path : List.of("/api/pim/metalearner/status?model_id=" + heldModel, "/api/pim/metalearner/models")) {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:"
                        + asked.port + path)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(path).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After")).as(path).isPresent();
                assertThat(JSON.readTree(response.body()).get("detail").asText()).as(path)
                        .contains("instance localhost:" + holder.port).contains("is unreachable (ConnectException");
            }
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

    private static void awaitBothRunning(List<Instance> instances) throws Exception {
        Await.until("the two instances settled into one group, the model's holder known", Duration.ofSeconds(180), () -> {
            boolean allRunning = instances.stream().allMatch(i -> i.service.streams().state() == KafkaStreams.State.RUNNING);
            KeyQueryMetadata owner = instances.get(0).service.streams().queryMetadataForKey(
                    LearningTopology.LEARNER_STORE, "default", Serdes.String().serializer());
            return allRunning && owner != null && !owner.equals(KeyQueryMetadata.NOT_AVAILABLE)
                    && instances.get(0).service.streams().metadataForAllStreamsClients().size() == 2;
        });
    }

    record Instance(int port, ServiceMetrics metrics, LearningService service, HttpService http) implements AutoCloseable {
        /** An instance on the shared settings, with a state directory and a port of its own. */
        static Instance start(Properties shared) throws Exception {
            int port = ApiEndToEndIT.freePort();
            Properties p = (Properties) shared.clone();
            p.setProperty("state.dir", Files.createTempDirectory("two-instances-").toString());
            p.setProperty("streams.application.server", "localhost:" + port);
            p.setProperty("http.port", Integer.toString(port));
            p.setProperty("http.admin-token", TOKEN);
            p.setProperty("http.feedback.timeout", ApiEndToEndIT.FEEDBACK_TIMEOUT);
            ServiceConfig config = ServiceProperties.config(p);
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
