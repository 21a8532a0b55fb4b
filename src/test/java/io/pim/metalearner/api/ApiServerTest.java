package io.pim.metalearner.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pim.metalearner.api.FeedbackGateway.AlreadyTrained;
import io.pim.metalearner.api.FeedbackGateway.Feedback;
import io.pim.metalearner.api.FeedbackGateway.Outcome;
import io.pim.metalearner.api.FeedbackGateway.Trained;
import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.trade.Vote;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.alert.AlertType;
import io.pim.metalearner.learn.race.DieboldMariano;
import io.pim.metalearner.learn.race.PromotionPolicy;
import io.pim.metalearner.learn.race.ShadowRace;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP contract (paths, status codes, the seed's shapes) over a hand-filled view and gateway.
 * The same server over the real stream is exercised by the end-to-end API test.
 */
class ApiServerTest {

    static final String SEED_BODY = """
            {"decision_id":"d-1","workflow_id":"wf-1","symbol":"AAPL","action":"BUY","entry_price":150.0,
             "exit_price":157.5,"actual_profit":75.0,"hold_duration":5,"broker_extra":{"ignored":true},
             "agent_votes":{"TradingAgent":{"direction":"LONG","confidence":0.85,"position_size":10.0,"note":"x"}}}""";

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final List<Feedback> published = new CopyOnWriteArrayList<>();
    static ApiServer server;

    /** The default model behind the predict endpoint: trained on one trade, so its figures are not a fresh learner's. */
    static final Learner TRAINED = Learner.create(LearnerConfig.defaults());

    static {
        TRAINED.train(FeedbackJson.parse(SEED_BODY));
    }

    static final LearnerView VIEW = new LearnerView() {
        @Override
        public Optional<Status> status(String modelId) {
            if (modelId.equals("restoring")) {
                throw new Unavailable("model 'restoring' is not queryable here now (REBALANCING)", null);
            }
            if (modelId.equals("raced")) {
                ShadowRace.Standing ridge = new ShadowRace.Standing("raced~ridge", 100, 0.0005, 0.0003, 0.2, 0.55,
                        1.5, 2.1, 1.1, new DieboldMariano(100, 0.0002, 3.1, 0.00097));
                return Optional.of(new Status("raced", 100, 0.0005, 0.2, 0.6, 1.5, 1.1, List.of(), List.of(), List.of(),
                        List.of(), new Race(100, new PromotionPolicy("auto", 50, 0.01, 500, false),
                        new ShadowRace.Live(100, 0.0005, 0.2, 1.5, 1.1), List.of(ridge), List.of("raced~ridge"), false, 7)));
            }
            if (!modelId.equals("default")) return Optional.empty();
            return Optional.of(new Status("default", 120, 0.0021, 0.12, 0.58, 1.9, 0.7,
                    List.of(new CurvePoint(119, 0.002, 0.0022, 0.01, 0.03), new CurvePoint(120, 0.001, 0.0021, 0.02, 0.05)),
                    List.of(new Agent("TradingAgent", 1.3, 100, 0.61, 0.004), new Agent("RiskAgent", 0.8, 90, 0.4, -0.001)),
                    List.of(new AlertEvent(AlertType.LOW_R2, AlertEvent.State.RAISED, 50, 0.12, 0.3, "rolling R² 0.120 is below 0.30")),
                    List.of(new ScoredDecision("d-118", 117, 0.011, 1.4, 1.1, 0.02, 118L),
                            new ScoredDecision("d-121", 120, -0.004, -0.3, 0.2, null, null))));
        }

        /** A real learner's figures: the default model as trained (a seeded one), any other as a fresh one. */
        @Override
        public VoteScore score(String modelId, Map<String, Vote> votes) {
            return (modelId.equals("default") ? TRAINED : Learner.create(LearnerConfig.defaults())).score(votes);
        }

        @Override
        public Map<String, Long> deadLetterCounts() {
            return Map.of("duplicate", 2L, "votes-missing", 1L);
        }

        @Override
        public List<ModelEntry> models() {
            return List.of(new ModelEntry("default", "host-a:8080", 120), new ModelEntry("desk-2", "host-b:8080", 7));
        }
    };

    static final FeedbackGateway GATEWAY = feedback -> {
        published.add(feedback);
        return switch (feedback.trade().decisionId()) {
            case "d-trained" -> CompletableFuture.completedFuture(new AlreadyTrained("d-trained"));
            case "d-slow" -> new CompletableFuture<>(); // the stream never answers in time
            default -> CompletableFuture.completedFuture((Outcome) new Trained("default", 121, 0.012, 0.05, 0.0014,
                    Map.of("TradingAgent", 1.04, "RiskAgent", 1.0)));
        };
    };

    @BeforeAll
    static void start() {
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics.counter("metalearner_dead_letters", "reason", "duplicate").increment(2);
        server = new ApiServer(new ApiConfig(0, "default", 1, Duration.ofMillis(300)), VIEW, GATEWAY, metrics::scrape).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void statusShowsTheRaceWithTheShadowCandidatesWhenTheModelHasThem() throws Exception {
        // when
        JsonNode race = JSON.readTree(get("/api/pim/metalearner/status?model_id=raced").body()).get("candidate_race");
        JsonNode none = JSON.readTree(get("/api/pim/metalearner/status").body()).get("candidate_race");

        // then
        assertThat(none).isNull();
        assertThat(race.get("window").asInt()).isEqualTo(100);
        assertThat(race.at("/policy/mode").asText()).isEqualTo("auto");
        assertThat(race.at("/policy/significance").asDouble()).isEqualTo(0.01);
        assertThat(race.at("/live/trades").asInt()).isEqualTo(100);
        assertThat(race.at("/live/loss").asDouble()).isEqualTo(0.0005);
        JsonNode ridge = race.at("/candidates/0");
        assertThat(ridge.get("model_id").asText()).isEqualTo("raced~ridge");
        assertThat(ridge.get("loss").asDouble()).isEqualTo(0.0003);
        assertThat(ridge.get("live_loss").asDouble()).isEqualTo(0.0005);
        assertThat(ridge.get("r2").asDouble()).isEqualTo(0.55);
        assertThat(ridge.get("committee_pnl_learned").asDouble()).isEqualTo(2.1);
        assertThat(ridge.get("committee_pnl_uniform").asDouble()).isEqualTo(1.1);
        assertThat(ridge.at("/diebold_mariano/statistic").asDouble()).isEqualTo(3.1);
        assertThat(ridge.at("/diebold_mariano/p_value").asDouble()).isEqualTo(0.00097);
        assertThat(ridge.get("better").asBoolean()).isTrue();
        assertThat(race.get("trades_since_promotion").asLong()).isEqualTo(7);
    }

    @Test
    void statusShowsTheModelsFiguresAlertsAndDeadLetters() throws Exception {
        // when
        HttpResponse<String> response = get("/api/pim/metalearner/status");

        // then
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode status = JSON.readTree(response.body());
        assertThat(status.get("model_id").asText()).isEqualTo("default");
        assertThat(status.get("training_step").asLong()).isEqualTo(120);
        assertThat(status.get("rolling_loss").asDouble()).isEqualTo(0.0021);
        assertThat(status.get("rolling_r2").asDouble()).isEqualTo(0.12);
        assertThat(status.get("direction_accuracy").asDouble()).isEqualTo(0.58);
        assertThat(status.at("/committee_pnl/learned").asDouble()).isEqualTo(1.9);
        assertThat(status.at("/committee_pnl/uniform").asDouble()).isEqualTo(0.7);
        assertThat(status.get("learning_curve")).hasSize(1); // the configured last N = 1
        assertThat(status.at("/learning_curve/0/training_step").asLong()).isEqualTo(120);
        assertThat(status.at("/active_alerts/0/type").asText()).isEqualTo("low-r2");
        assertThat(status.at("/active_alerts/0/threshold").asDouble()).isEqualTo(0.3);
        assertThat(status.at("/dead_letters/duplicate").asLong()).isEqualTo(2);
        // the decisions scored at vote time, newest first; the open one has no actual return yet
        assertThat(status.at("/recent_scores/0/decision_id").asText()).isEqualTo("d-121");
        assertThat(status.at("/recent_scores/0/actual_return").isNull()).isTrue();
        assertThat(status.at("/recent_scores/0/trained_at_step").isNull()).isTrue();
        assertThat(status.at("/recent_scores/1/predicted_return").asDouble()).isEqualTo(0.011);
        assertThat(status.at("/recent_scores/1/actual_return").asDouble()).isEqualTo(0.02);
        assertThat(status.at("/recent_scores/1/trained_at_step").asLong()).isEqualTo(118);
    }

    static final String PREDICT_BODY = """
            {"decision_id":"d-9","action":"BUY","symbol":"AAPL","workflow_id":"wf-9",
             "agent_votes":{"TradingAgent":{"direction":"LONG","confidence":0.85,"position_size":10.0},
                            "RiskAgent":{"direction":"SHORT","confidence":0.4}}}""";

    @Test
    void predictAnswersTheModelsFiguresForVotesWithoutPublishingAnything() throws Exception {
        int before = published.size();

        // when
        HttpResponse<String> response = predict(PREDICT_BODY);

        // then: the trained default model's own figures, computed from its state
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        var votes = FeedbackJson.parseDecision(PREDICT_BODY).votes();
        VoteScore expected = TRAINED.score(votes);
        assertThat(body.get("success").asBoolean()).isTrue();
        assertThat(body.get("decision_id").asText()).isEqualTo("d-9");
        assertThat(body.get("model_id").asText()).isEqualTo("default");
        assertThat(body.get("training_step").asLong()).isEqualTo(1);
        assertThat(body.get("fingerprint").asText()).isEqualTo(TRAINED.fingerprint());
        assertThat(body.get("predicted_return").asDouble()).isEqualTo(expected.predictedReturn());
        assertThat(body.at("/committee_score/uniform").asDouble()).isCloseTo(0.85 - 0.4, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(body.at("/committee_score/learned").asDouble()).isEqualTo(expected.committeeLearned());
        assertThat(published).hasSize(before);
    }

    @Test
    void predictNeedsOnlyTheVotesAndScoresAModelNeverTrainedWithAFreshLearner() throws Exception {
        // when: no decision id, no action, a model no instance holds
        HttpResponse<String> response = predict("""
                {"model_id":"committee-b","agent_votes":{"TradingAgent":{"direction":"SHORT","confidence":0.5}}}""");

        // then
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.has("decision_id")).isFalse();
        assertThat(body.get("model_id").asText()).isEqualTo("committee-b");
        assertThat(body.get("training_step").asLong()).isZero();
        assertThat(body.get("fingerprint").asText()).isEqualTo(Learner.create(LearnerConfig.defaults()).fingerprint());
        assertThat(body.at("/committee_score/learned").asDouble()).isEqualTo(-0.5);
    }

    @Test
    void predictRefusesBadVotesWithTheStreamsReasonCodes() throws Exception {
        HttpResponse<String> notJson = predict("[1,2]");
        HttpResponse<String> noVotes = predict("{\"decision_id\":\"d-9\"}");
        HttpResponse<String> badConfidence = predict(PREDICT_BODY.replace("0.85", "1.5"));
        HttpResponse<String> badDirection = predict(PREDICT_BODY.replace("\"LONG\"", "\"UP\""));
        HttpResponse<String> badAction = predict(PREDICT_BODY.replace("\"BUY\"", "\"HOLD\""));
        HttpResponse<String> badSize = predict(PREDICT_BODY.replace("10.0", "1e39"));
        HttpResponse<String> textConfidence = predict(PREDICT_BODY.replace("0.85", "\"high\""));

        assertThat(List.of(notJson, noVotes, badConfidence, badDirection, badAction, badSize, textConfidence))
                .allMatch(r -> r.statusCode() == 400);
        assertThat(List.of(notJson, noVotes, badConfidence, badDirection, badAction, badSize, textConfidence))
                .map(ApiServerTest::error)
                .containsExactly("unreadable", "missing-field", "confidence-out-of-range", "unknown-direction",
                        "unknown-action", "non-finite-value", "wrong-type");
    }

    @Test
    void theDefaultModelBeforeItsFirstTradeIsStepZero() throws Exception {
        // given a service whose model.default-id has no state yet
        try (ApiServer fresh = new ApiServer(new ApiConfig(0, "committee-b", 1, Duration.ofMillis(300)), VIEW, GATEWAY,
                () -> "").start()) {
            // when
            HttpResponse<String> status = get(fresh.port(), "/api/pim/metalearner/status");
            HttpResponse<String> weights = get(fresh.port(), "/api/pim/metalearner/weights");

            // then it shows that model, untrained
            assertThat(status.statusCode()).isEqualTo(200);
            JsonNode body = JSON.readTree(status.body());
            assertThat(body.get("model_id").asText()).isEqualTo("committee-b");
            assertThat(body.get("training_step").asLong()).isZero();
            assertThat(body.get("active_alerts")).isEmpty();
            assertThat(weights.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(weights.body()).get("training_step").asLong()).isZero();
        }
    }

    @Test
    void aModelWithNoStateAnywhereIsNotFound() throws Exception {
        // when
        HttpResponse<String> status = get("/api/pim/metalearner/status?model_id=nobody");
        HttpResponse<String> weights = get("/api/pim/metalearner/weights?model_id=nobody");

        // then
        for (HttpResponse<String> response : List.of(status, weights)) {
            assertThat(response.statusCode()).isEqualTo(404);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.get("error").asText()).isEqualTo("unknown-model");
            assertThat(body.get("model_id").asText()).isEqualTo("nobody");
        }
    }

    @Test
    void aModelWhoseOwnerIsRestoringIsUnavailableWithRetryAfterNotUnknown() throws Exception {
        // when
        HttpResponse<String> status = get("/api/pim/metalearner/status?model_id=restoring");
        HttpResponse<String> weights = get("/api/pim/metalearner/weights?model_id=restoring");

        // then
        for (HttpResponse<String> response : List.of(status, weights)) {
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("2");
            assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("unavailable");
        }
    }

    @Test
    void modelsListsEveryModelWithItsOwnerAndStep() throws Exception {
        // when
        HttpResponse<String> response = get("/api/pim/metalearner/models");

        // then
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode models = JSON.readTree(response.body()).get("models");
        assertThat(models).hasSize(2);
        assertThat(models.at("/1/model_id").asText()).isEqualTo("desk-2");
        assertThat(models.at("/1/owner").asText()).isEqualTo("host-b:8080");
        assertThat(models.at("/1/training_step").asLong()).isEqualTo(7);
    }

    @Test
    void weightsListEveryAgentWithItsPerformance() throws Exception {
        JsonNode weights = JSON.readTree(get("/api/pim/metalearner/weights").body());

        assertThat(weights.at("/agent_weights/TradingAgent").asDouble()).isEqualTo(1.3);
        assertThat(weights.at("/agents/1/agent_id").asText()).isEqualTo("RiskAgent");
        assertThat(weights.at("/agents/1/total_decisions").asLong()).isEqualTo(90);
        assertThat(weights.at("/agents/1/accuracy").asDouble()).isEqualTo(0.4);
        assertThat(weights.at("/agents/1/avg_profit_contribution").asDouble()).isEqualTo(-0.001);
    }

    @Test
    void feedbackAnswersInTheSeedsShapeOnceTrained() throws Exception {
        // when the broker posts the seed's body, with fields the seed does not list
        HttpResponse<String> response = post(SEED_BODY);

        // then
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("success").asBoolean()).isTrue();
        assertThat(body.get("agents_updated").asInt()).isEqualTo(1);
        assertThat(body.get("meta_learner").fieldNames()).toIterable()
                .containsExactly("predicted_profit", "actual_profit", "loss", "training_step", "agent_weights");
        assertThat(body.at("/meta_learner/training_step").asLong()).isEqualTo(121);
        assertThat(body.at("/meta_learner/agent_weights/TradingAgent").asDouble()).isEqualTo(1.04);
        Feedback feedback = published.stream().filter(f -> f.trade().decisionId().equals("d-1")).findFirst().orElseThrow();
        assertThat(feedback.body()).isEqualTo(SEED_BODY);
        assertThat(feedback.trade().votes()).containsOnlyKeys("TradingAgent");
    }

    @Test
    void invalidBodiesAreRefusedWithTheReasonAndNotPublished() throws Exception {
        int before = published.size();

        HttpResponse<String> notJson = post("{not json");
        HttpResponse<String> badPrice = post(SEED_BODY.replace("\"entry_price\":150.0", "\"entry_price\":-1"));
        HttpResponse<String> badConfidence = post(SEED_BODY.replace("0.85", "1.5"));
        HttpResponse<String> badDirection = post(SEED_BODY.replace("\"LONG\"", "\"UP\""));

        assertThat(List.of(notJson, badPrice, badConfidence, badDirection)).allMatch(r -> r.statusCode() == 400);
        assertThat(JSON.readTree(notJson.body()).get("error").asText()).isEqualTo("unreadable");
        assertThat(JSON.readTree(badPrice.body()).get("error").asText()).isEqualTo("non-positive-price");
        assertThat(JSON.readTree(badConfidence.body()).get("error").asText()).isEqualTo("confidence-out-of-range");
        assertThat(JSON.readTree(badDirection.body()).get("error").asText()).isEqualTo("unknown-direction");
        assertThat(JSON.readTree(badDirection.body()).get("success").asBoolean()).isFalse();
        assertThat(published).hasSize(before);
    }

    @Test
    void aBodyOverTheSizeLimitIsRefusedWith413AndNotPublished() throws Exception {
        // given a feedback body of 5 MB (the broker side sends unknown fields; one of them huge)
        int before = published.size();
        String huge = SEED_BODY.replace("\"ignored\":true", "\"ignored\":\"" + "x".repeat(5 * 1024 * 1024) + "\"");

        // when it comes again and again (a client that loses the answer would retry it forever)
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = post(huge);

            // then each gets its 413: the server reads the body before it answers, so the connection
            // is not reset under a client still sending
            assertThat(response.statusCode()).isEqualTo(413);
        }
        assertThat(published).hasSize(before);
    }

    @Test
    void aBodyIsReadAsJsonWhateverItsContentType() throws Exception {
        // when the seed's body comes as text/plain (curl without -H, or an older client)
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + server.port() + "/api/pim/feedback"))
                .header("content-type", "text/plain; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(SEED_BODY.replace("\"d-1\"", "\"d-plain\""))).build(),
                HttpResponse.BodyHandlers.ofString());

        // then it is the same feedback as with application/json
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(published).anyMatch(f -> f.trade().decisionId().equals("d-plain"));
    }

    @Test
    void aDecisionAlreadyTrainedIsAConflict() throws Exception {
        HttpResponse<String> response = post(SEED_BODY.replace("\"d-1\"", "\"d-trained\""));

        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("duplicate");
    }

    @Test
    void aWaitThatRunsOutIsAcceptedWithTheDecisionId() throws Exception {
        HttpResponse<String> response = post(SEED_BODY.replace("\"d-1\"", "\"d-slow\""));

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(response.body()).get("decision_id").asText()).isEqualTo("d-slow");
    }

    @Test
    void metricsAreServedInPrometheusFormat() throws Exception {
        HttpResponse<String> response = get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        assertThat(response.body()).contains("metalearner_dead_letters_total{reason=\"duplicate\"} 2.0");
    }

    @Test
    void theDashboardAndItsChartLibraryAreServedLocally() throws Exception {
        assertThat(get("/").body()).contains("<canvas id=\"loss-chart\"");
        assertThat(get("/webjars/chart.js/4.5.1/dist/chart.umd.min.js").statusCode()).isEqualTo(200);
    }

    static HttpResponse<String> get(String path) throws Exception {
        return get(server.port(), path);
    }

    static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String error(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body()).get("error").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static HttpResponse<String> predict(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/api/pim/metalearner/predict"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/api/pim/feedback"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
