package io.pim.metalearner.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.testing.TestConsumers;
import io.pim.metalearner.avro.DecisionScore;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestKafka;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP API over the real stream: the shared in-JVM KRaft broker and Apicurio registry, the
 * learning service, with the API configured as {@code run} configures it (its {@code http.*} keys).
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class ApiEndToEndIT {

    static final String ADMIN_TOKEN = "e2e-admin-token-0123456789";

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    /**
     * How long a feedback POST waits for its training step before answering 202: generous, so the
     * tests that expect the trained answer (200) get it on a busy machine too.
     */
    static final String FEEDBACK_TIMEOUT = "120s";

    static ServiceMetrics metrics;
    static LearningService service;
    static HttpService http;
    /** The service's config without the http.* keys this test sets: as a deployment without an admin token. */
    static Properties withoutHttpKeys;

    @BeforeAll
    static void start(TestKafka kafka, EmbeddedRegistry registry) throws Exception {
        int port = freePort();
        Properties p = ServiceProperties.isolated("api-e2e", kafka, registry.apiUrl(), Files.createTempDirectory("api-e2e-"));
        p.setProperty("streams.application.server", "localhost:" + port);
        withoutHttpKeys = (Properties) p.clone();
        p.setProperty("http.port", Integer.toString(port));
        p.setProperty("http.admin-token", ADMIN_TOKEN);
        p.setProperty("http.feedback.timeout", FEEDBACK_TIMEOUT);
        p.setProperty("http.curve.points", "50");
        ServiceConfig config = ServiceProperties.config(p);
        metrics = new ServiceMetrics();
        service = new LearningService(config, metrics);
        ServiceProperties.run(kafka, service, config);
        http = HttpService.start(service, metrics, ApiConfig.from(config));
    }

    @AfterAll
    static void stop() {
        if (http != null) http.close();
        if (service != null) service.close();
        if (metrics != null) metrics.close();
    }

    @Test
    void theSeedsFeedbackTrainsAndAnswersInTheSeedsShapeAndARepeatIsAConflict() throws Exception {
        // given TradingAgent's weight now (other tests in this class may have trained before)
        JsonNode before = JSON.readTree(get("/api/pim/metalearner/weights").body()).at("/agent_weights/TradingAgent");
        double weightBefore = before.isMissingNode() ? 1.0 : before.asDouble();

        // when the broker side posts the seed's example body
        HttpResponse<String> first = post(seedBody("e2e-1"));

        // then it is answered once the stream trained on it, in the seed's shape
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(first.body());
        assertThat(body.get("success").asBoolean()).isTrue();
        assertThat(body.get("agents_updated").asInt()).isEqualTo(1);
        JsonNode learner = body.get("meta_learner");
        assertThat(learner.fieldNames()).toIterable()
                .containsExactly("predicted_profit", "actual_profit", "loss", "training_step", "agent_weights");
        assertThat(learner.get("training_step").asLong()).isPositive();
        assertThat(learner.get("actual_profit").asDouble()).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-12));
        // LONG at 0.85 on a +5 % move: u = 1 + 0.85·0.05·5, w = 0.1·u + 0.9·w
        assertThat(learner.at("/agent_weights/TradingAgent").asDouble())
                .isCloseTo(0.1 * (1 + 0.85 * 0.05 * 5) + 0.9 * weightBefore, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(learner.get("agent_weights").fieldNames()).toIterable()
                .containsExactlyElementsOf(LearnerConfig.DEFAULT_ROSTER);

        // when the same decision is posted again
        HttpResponse<String> again = post(seedBody("e2e-1"));

        // then it is a conflict, and nothing trained twice
        assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
        assertThat(JSON.readTree(again.body()).get("error").asText()).isEqualTo("duplicate");
    }

    @Test
    void twoConcurrentPostsOfOneDecisionGetTheSameAnswerAndItTrainsOnce() throws Exception {
        // when the broker side posts the same decision twice at once (a retry while the first is in flight)
        CompletableFuture<HttpResponse<String>> first = postAsync(seedBody("e2e-twice"));
        CompletableFuture<HttpResponse<String>> second = postAsync(seedBody("e2e-twice"));

        // then both get the one training step's answer
        assertThat(first.get().statusCode()).as(first.get().body()).isEqualTo(200);
        assertThat(second.get().statusCode()).as(second.get().body()).isEqualTo(200);
        assertThat(JSON.readTree(second.get().body())).isEqualTo(JSON.readTree(first.get().body()));
        // and once answered, the decision is trained: posting it again is a conflict
        assertThat(post(seedBody("e2e-twice")).statusCode()).isEqualTo(409);
    }

    @Test
    void theAdminEndpointsEnabledByConfigurationResetAModelForTheBearerOfTheToken() throws Exception {
        // given a model of its own (the body names it), trained on one trade
        HttpResponse<String> trained = post(seedBody("e2e-admin-1").replaceFirst("\\{", "{\"model_id\":\"admin-e2e\","));
        assertThat(trained.statusCode()).as(trained.body()).isEqualTo(200);
        assertThat(JSON.readTree(trained.body()).at("/meta_learner/training_step").asLong()).isEqualTo(1);

        // when ops reset it without the token, with a wrong one, then with the configured one
        HttpResponse<String> without = admin(http.port(), "reset?model_id=admin-e2e", null);
        HttpResponse<String> wrong = admin(http.port(), "reset?model_id=admin-e2e", "Bearer not-the-admin-token-at-all");
        HttpResponse<String> reset = admin(http.port(), "reset?model_id=admin-e2e", "Bearer " + ADMIN_TOKEN);

        // then only the last one is applied, and the model is back at step 0 with weights 1.0
        assertThat(without.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
        assertThat(JSON.readTree(reset.body()).get("training_step").asLong()).isZero();
        JsonNode status = JSON.readTree(get("/api/pim/metalearner/status?model_id=admin-e2e").body());
        assertThat(status.get("training_step").asLong()).isZero();
        assertThat(status.at("/agent_weights/TradingAgent").asDouble()).isEqualTo(1.0);
    }

    @Test
    void withoutAConfiguredTokenTheAdminEndpointsAreOff() throws Exception {
        // given the same service's API, configured without http.admin-token
        ApiConfig untokened = ApiConfig.from(ServiceConfig.from(withoutHttpKeys, Map.of())).withPort(0);
        try (ServiceMetrics ownMetrics = new ServiceMetrics();
             HttpService api = HttpService.start(service, ownMetrics, untokened)) {
            // when
            HttpResponse<String> reset = admin(api.port(), "reset?model_id=admin-e2e", "Bearer " + ADMIN_TOKEN);

            // then there is no such endpoint
            assertThat(reset.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aModelNoInstanceHoldsIsNotFound() throws Exception {
        HttpResponse<String> status = get("/api/pim/metalearner/status?model_id=no-such-model");

        assertThat(status.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(status.body()).get("error").asText()).isEqualTo("unknown-model");
        assertThat(get("/api/pim/metalearner/status").statusCode()).isEqualTo(200);
    }

    @Test
    void aBodySentAsPlainTextIsReadAsJsonAndTrains() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + http.port() + "/api/pim/feedback"))
                .header("content-type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(seedBody("e2e-plain"))).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).at("/meta_learner/training_step").asLong()).isPositive();
    }

    @Test
    void anInvalidBodyIsRefusedWithItsReason() throws Exception {
        HttpResponse<String> response = post(seedBody("e2e-bad").replace("\"exit_price\":157.5", "\"exit_price\":0"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("non-positive-price");
    }

    @Test
    void aTradeTheModelRefusesToStepOnIsRefusedWithItsReasonNotLeftToTimeOut() throws Exception {
        // a valid body whose return (1e30) overflows the float loss: only the training step can tell
        HttpResponse<String> response = post(seedBody("e2e-overflow")
                .replace("\"entry_price\":150.0", "\"entry_price\":1e-30").replace("\"exit_price\":157.5", "\"exit_price\":1.0"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("non-finite-value");
    }

    @Test
    void aWaitShorterThanTheStreamIsAcceptedAndTheTradeStillTrains() throws Exception {
        // given a server that waits only 1 ms
        long stepBefore = JSON.readTree(get("/api/pim/metalearner/status").body()).get("training_step").asLong();
        try (StreamFeedbackGateway gateway = new StreamFeedbackGateway(service.config(), service.topics(), Duration.ofMillis(1));
             ApiServer impatient = new ApiServer(new ApiConfig(0, "default", 50, Duration.ofMillis(1)),
                     new StreamLearnerView(service, null), gateway, metrics::scrape).start()) {
            // when
            HttpResponse<String> response = post(impatient.port(), seedBody("e2e-slow"));

            // then
            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            assertThat(JSON.readTree(response.body()).get("decision_id").asText()).isEqualTo("e2e-slow");
        }
        // and the trade was published all the same: it trains, and posting it again is a conflict
        Await.until("e2e-slow trained: the training step past " + stepBefore, Duration.ofSeconds(120),
                () -> JSON.readTree(get("/api/pim/metalearner/status").body()).get("training_step").asLong() != stepBefore);
        assertThat(post(seedBody("e2e-slow")).statusCode()).isEqualTo(409);
    }

    @Test
    void statusWeightsAndMetricsReflectTheTraining() throws Exception {
        // given some trades trained, one of them posted twice
        for (int i = 0; i < 3; i++) assertThat(post(seedBody("e2e-status-" + i)).statusCode()).isEqualTo(200);
        assertThat(post(seedBody("e2e-status-0")).statusCode()).isEqualTo(409);

        // when
        JsonNode status = JSON.readTree(get("/api/pim/metalearner/status").body());
        JsonNode weights = JSON.readTree(get("/api/pim/metalearner/weights").body());
        String prometheus = get("/metrics").body();

        // then
        long step = status.get("training_step").asLong();
        assertThat(step).isGreaterThanOrEqualTo(3);
        assertThat(status.get("learning_curve").size()).isEqualTo((int) Math.min(step, 50));
        assertThat(status.at("/dead_letters/duplicate").asLong()).isPositive();
        assertThat(status.get("agents")).hasSize(9);
        assertThat(weights.get("training_step").asLong()).isEqualTo(step);
        assertThat(weights.at("/agents/0/agent_id").asText()).isEqualTo("TradingAgent");
        assertThat(weights.at("/agents/0/total_decisions").asLong()).isEqualTo(step);
        assertThat(prometheus)
                .contains("metalearner_training_step{model_id=\"default\"} " + step + ".0")
                .contains("metalearner_dead_letters_total{reason=\"duplicate\"}")
                .contains("metalearner_step_time_seconds_count")
                .contains("metalearner_end_to_end_latency_seconds_count")
                .contains("metalearner_agent_weight{agent=\"TradingAgent\",model_id=\"default\"}")
                .contains("metalearner_alert_active{model_id=\"default\",type=\"low-r2\"}")
                .contains("metalearner_feedback_answers_up 1.0")
                .contains("metalearner_feedback_answers_restarts_total 0.0")
                .contains("kafka_stream_");
    }

    @Test
    void predictAnswersWhatTheStreamPublishesForTheSameVotesAtTheSameStep() throws Exception {
        // given a model that has trained
        assertThat(post(seedBody("e2e-predict-0")).statusCode()).isEqualTo(200);
        long step = JSON.readTree(get("/api/pim/metalearner/status").body()).get("training_step").asLong();

        // when the committee asks about its next decision's votes (no prices: it has not traded yet)
        HttpResponse<String> predicted = predict("""
                {"decision_id":"e2e-predict-1","action":"BUY",
                 "agent_votes":{"TradingAgent":{"direction":"LONG","confidence":0.85,"position_size":10.0}}}""");

        // then it gets the model's figures at once, from its current state
        assertThat(predicted.statusCode()).as(predicted.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(predicted.body());
        assertThat(answer.get("model_id").asText()).isEqualTo("default");
        assertThat(answer.get("training_step").asLong()).isEqualTo(step);
        assertThat(answer.at("/committee_score/uniform").asDouble()).isEqualTo(0.85);

        // and when the decision then goes through the stream, its decision-scores record says the same
        assertThat(post(seedBody("e2e-predict-1")).statusCode()).isEqualTo(200);
        DecisionScore published = scoreOf("e2e-predict-1");
        assertThat(published.getTrainingStep()).isEqualTo(step);
        assertThat(published.getFingerprint()).isEqualTo(answer.get("fingerprint").asText());
        assertThat(published.getPredictedReturn()).isEqualTo(answer.get("predicted_return").asDouble());
        assertThat(published.getCommitteeScoreLearned()).isEqualTo(answer.at("/committee_score/learned").asDouble());
        assertThat(published.getCommitteeScoreUniform()).isEqualTo(0.85);

        // and a body the stream would dead-letter is refused with the same reason
        HttpResponse<String> bad = predict("{\"agent_votes\":{\"TradingAgent\":{\"direction\":\"UP\",\"confidence\":0.5}}}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).get("error").asText()).isEqualTo("unknown-direction");
    }

    /** The decision's record on decision-scores, read_committed, waiting for it as long as a busy machine needs. */
    static DecisionScore scoreOf(String decisionId) throws Exception {
        Topic<String, DecisionScore> topic = service.topics().decisionScores();
        Map<String, DecisionScore> seen = new HashMap<>();
        try (KafkaConsumer<String, DecisionScore> consumer = new KafkaClients(service.config()).consumer("e2e-scores",
                topic.keySerde().deserializer(), topic.valueSerde().deserializer(),
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            List<TopicPartition> partitions = TestConsumers.fromStart(consumer, topic.name());
            Await.until("the score of " + decisionId, Duration.ofSeconds(120), () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.put(r.key(), r.value()));
                return seen.containsKey(decisionId);
            });
        }
        return seen.get(decisionId);
    }

    static HttpResponse<String> predict(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + http.port() + "/api/pim/metalearner/predict"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String seedBody(String decisionId) {
        return """
                {"decision_id":"%s","workflow_id":"wf-1","symbol":"AAPL","action":"BUY","entry_price":150.0,
                 "exit_price":157.5,"actual_profit":75.0,"hold_duration":5,
                 "agent_votes":{"TradingAgent":{"direction":"LONG","confidence":0.85,"position_size":10.0}}}"""
                .formatted(decisionId);
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + http.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> admin(int port, String pathAndQuery, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/api/pim/metalearner/admin/" + pathAndQuery)).POST(HttpRequest.BodyPublishers.noBody());
        if (authorization != null) request.header("Authorization", authorization);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String body) throws Exception {
        return post(http.port(), body);
    }

    static CompletableFuture<HttpResponse<String>> postAsync(String body) {
        return HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + http.port() + "/api/pim/feedback"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(int port, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/pim/feedback"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
