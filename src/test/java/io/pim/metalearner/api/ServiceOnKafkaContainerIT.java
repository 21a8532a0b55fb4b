package io.pim.metalearner.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.testing.RegistryExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The service against the broker users run: the {@code apache/kafka} image of the version the
 * code is built with (KRaft, one node, Testcontainers' single-broker settings for transactions),
 * with the shared Apicurio registry. Needs a Docker engine; without one JUnit skips it and says so
 * ({@code disabledWithoutDocker}), and the in-JVM broker tests cover the same paths.
 */
@Testcontainers(disabledWithoutDocker = true)
@ExtendWith(RegistryExtension.class)
class ServiceOnKafkaContainerIT {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.3.1");

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void feedbackPostedToTheServiceOnTheKafkaImageTrainsTheSeedsWeights(EmbeddedRegistry registry) throws Exception {
        // given the service on the container's broker, with its topics created as `run` creates them
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", KAFKA.getBootstrapServers());
        p.setProperty("registry.url", registry.apiUrl());
        p.setProperty("application.id", "metalearner-on-container");
        p.setProperty("state.dir", Files.createTempDirectory("container-").toString());
        p.setProperty("http.feedback.timeout", "120s");
        ServiceConfig config = ServiceConfig.from(p, Map.of());
        ServiceMetrics metrics = new ServiceMetrics();
        try (LearningService service = new LearningService(config, metrics)) {
            service.createTopics();
            service.start();
            service.awaitRunning(Duration.ofSeconds(180));
            try (HttpService http = HttpService.start(service, metrics, ApiConfig.from(config).withPort(0))) {
                // when the broker side posts the seed's example feedback
                HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://localhost:" + http.port() + "/api/pim/feedback"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(ApiEndToEndIT.seedBody("container-1"))).build(),
                        HttpResponse.BodyHandlers.ofString());

                // then it trained step 1 with the seed's rule: LONG at 0.85 on +5 %, w = 0.1·(1 + 0.85·0.05·5) + 0.9·1
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                JsonNode learner = JSON.readTree(response.body()).get("meta_learner");
                assertThat(learner.get("training_step").asLong()).isEqualTo(1);
                assertThat(learner.at("/agent_weights/TradingAgent").asDouble())
                        .isCloseTo(0.1 * (1 + 0.85 * 0.05 * 5) + 0.9, Offset.offset(1e-9));
                // and the weights the API serves are those
                JsonNode weights = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + http.port() + "/api/pim/metalearner/weights")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                assertThat(weights.at("/agent_weights/TradingAgent").asDouble())
                        .isEqualTo(learner.at("/agent_weights/TradingAgent").asDouble());
            }
        } finally {
            metrics.close();
        }
    }
}
