package io.pim.metalearner.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.stream.StepListener;
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
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The service's health endpoints and the feedback token, over the real stream (the shared broker
 * and registry), configured as {@code run} configures them: what Compose healthchecks and
 * Kubernetes probes call, and what a broker side that posts feedback must send.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class HealthEndpointsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration START = Duration.ofSeconds(180);
    private static final String FEEDBACK_TOKEN = "feedback-token-0123456789";
    private static final String MODELS = "/api/pim/metalearner/models";

    @Test
    void readinessFollowsTheStreamFromStartToCloseWhileLivenessHoldsUntilItFails(TestKafka kafka, EmbeddedRegistry registry)
            throws Exception {
        // given a service whose HTTP API is up before its stream starts
        ServiceConfig config = config("health", kafka, registry, null);
        ServiceMetrics metrics = new ServiceMetrics();
        try (LearningService service = new LearningService(config, metrics)) {
            service.createTopics();
            kafka.awaitLeaders(ServiceProperties.topicNames(config));
            try (HttpService http = HttpService.start(service, metrics, ApiConfig.from(config).withPort(0))) {
                // then, not processing yet: alive, not ready
                assertThat(get(http, Health.LIVE_PATH).statusCode()).isEqualTo(200);
                HttpResponse<String> notYet = get(http, Health.READY_PATH);
                assertThat(notYet.statusCode()).isEqualTo(503);
                assertThat(JSON.readTree(notYet.body()).get("status").asText()).isEqualTo("DOWN");
                // and the model list is not an (empty, wrong) answer but a retry later
                HttpResponse<String> noList = get(http, MODELS);
                assertThat(noList.statusCode()).isEqualTo(503);
                assertThat(noList.headers().firstValue("Retry-After")).isPresent();

                // when the stream starts and restores its stores
                service.start();
                // then ready answers 200 with the state once it is RUNNING (probes wait the same way)
                Await.until("ready answers 200", START, () -> get(http, Health.READY_PATH).statusCode() == 200);
                JsonNode ready = JSON.readTree(get(http, Health.READY_PATH).body());
                assertThat(ready.get("status").asText()).isEqualTo("UP");
                assertThat(ready.get("state").asText()).isIn("RUNNING", "REBALANCING");
                assertThat(service.hasBeenRunning()).isTrue();
                assertThat(get(http, Health.LIVE_PATH).statusCode()).isEqualTo(200);
                Await.until("the model list answers 200", START, () -> get(http, MODELS).statusCode() == 200);

                // when the stream is closed (shutting down, as on SIGTERM)
                service.close(Duration.ofSeconds(60));
                // then it is no longer ready (no traffic for a stopping instance), and not failed: still alive
                HttpResponse<String> stopped = get(http, Health.READY_PATH);
                assertThat(stopped.statusCode()).isEqualTo(503);
                assertThat(JSON.readTree(stopped.body()).get("state").asText()).isEqualTo("NOT_RUNNING");
                assertThat(get(http, Health.LIVE_PATH).statusCode()).isEqualTo(200);
                assertThat(get(http, MODELS).statusCode()).isEqualTo(503);
            }
        } finally {
            metrics.close();
        }
    }

    @Test
    void withAFeedbackTokenConfiguredOnlyItsBearerCreatesTrainingData(TestKafka kafka, EmbeddedRegistry registry)
            throws Exception {
        // given a running service whose config sets http.feedback-token
        ServiceConfig config = config("feedback-token", kafka, registry, FEEDBACK_TOKEN);
        ServiceMetrics metrics = new ServiceMetrics();
        try (LearningService service = new LearningService(config, metrics)) {
            ServiceProperties.run(kafka, service, config);
            try (HttpService http = HttpService.start(service, metrics, ApiConfig.from(config).withPort(0))) {
                // when feedback is posted without the token, with a wrong one, then with the configured one
                HttpResponse<String> without = post(http, "fb-1", null);
                HttpResponse<String> wrong = post(http, "fb-1", "Bearer not-the-feedback-token-at-all");
                HttpResponse<String> right = post(http, "fb-1", "Bearer " + FEEDBACK_TOKEN);

                // then the first two are refused and train nothing; the bearer's trains the first step
                assertThat(without.statusCode()).as(without.body()).isEqualTo(401);
                assertThat(without.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
                assertThat(wrong.statusCode()).as(wrong.body()).isEqualTo(401);
                assertThat(right.statusCode()).as(right.body()).isEqualTo(200);
                assertThat(JSON.readTree(right.body()).at("/meta_learner/training_step").asLong()).isEqualTo(1);
                // and reading stays open: the token guards writing only
                assertThat(get(http, "/api/pim/metalearner/weights").statusCode()).isEqualTo(200);
            }
        } finally {
            metrics.close();
        }
    }

    @Test
    void aRecordThatFailsItsStreamThreadEveryTimeTakesTheInstanceOutOfReadinessNotOutOfLife(TestKafka kafka,
            EmbeddedRegistry registry) throws Exception {
        // given a running service whose every training step fails (as a bug on one record would); a
        // replaced thread's tasks come back after the group's session timeout, here shortened
        ServiceConfig config = config("poison", kafka, registry, null)
                .with(java.util.Map.of("streams.session.timeout.ms", "6000", "streams.heartbeat.interval.ms", "1000"));
        ServiceMetrics metrics = new ServiceMetrics();
        StepListener failing = (modelId, step, stepNanos, latencyMs, alerts) -> {
            throw new IllegalStateException("step " + step.step() + " of " + modelId + " failed on purpose");
        };
        try (LearningService service = new LearningService(config, failing)) {
            ServiceProperties.run(kafka, service, config);
            try (HttpService http = HttpService.start(service, metrics, ApiConfig.from(config).withPort(0))) {
                assertThat(get(http, Health.READY_PATH).statusCode()).isEqualTo(200);

                // when a trade arrives: its step fails, the thread is replaced, retries it, fails again...
                HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + http.port() + "/api/pim/feedback"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(ApiEndToEndIT.seedBody("poison-1"))).build(),
                        HttpResponse.BodyHandlers.ofString());

                // then readiness says so, with the cause, while liveness holds (a restart would loop the same)
                Await.until("ready answers 503", START, () -> get(http, Health.READY_PATH).statusCode() == 503);
                JsonNode ready = JSON.readTree(get(http, Health.READY_PATH).body());
                assertThat(ready.get("state").asText()).isEqualTo("FAILING");
                assertThat(ready.get("detail").asText()).contains("failed on purpose").contains("topic=" + config.topicName("training"));
                assertThat(get(http, Health.LIVE_PATH).statusCode()).isEqualTo(200);
                assertThat(service.threadFailures().total()).isGreaterThanOrEqualTo(2);
            }
        } finally {
            metrics.close();
        }
    }

    private static ServiceConfig config(String name, TestKafka kafka, EmbeddedRegistry registry, String feedbackToken)
            throws Exception {
        Properties p = ServiceProperties.isolated(name, kafka, registry.apiUrl(), Files.createTempDirectory(name + "-"));
        p.setProperty("http.feedback.timeout", "120s");
        if (feedbackToken != null) p.setProperty("http.feedback-token", feedbackToken);
        return ServiceProperties.config(p);
    }

    private static HttpResponse<String> get(HttpService http, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + http.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(HttpService http, String decisionId, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + http.port() + "/api/pim/feedback"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ApiEndToEndIT.seedBody(decisionId)));
        if (authorization != null) request.header("Authorization", authorization);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
