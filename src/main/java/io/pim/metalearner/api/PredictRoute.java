package io.pim.metalearner.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.stream.LearningTopology;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /api/pim/metalearner/predict}: a decision's votes in the feedback body's shape
 * without its outcome, answered at once with what the stream would publish on
 * {@code decision-scores} for them now: the model's eval-mode prediction, the committee's score
 * with its current and with uniform weights, its step and fingerprint. Read from the model's
 * stored state (on this instance or fetched from the one holding it): no Kafka round trip, and
 * nothing is published or learned. A body the learner would refuse gets 400 with the reason code
 * training gives the same votes.
 */
final class PredictRoute {
    static final String PATH = "/api/pim/metalearner/predict";

    private final LearnerView learner;
    private final String defaultModelId;

    PredictRoute(LearnerView learner, String defaultModelId) {
        this.learner = learner;
        this.defaultModelId = defaultModelId;
    }

    void register(JavalinConfig c) {
        c.routes.post(PATH, this::predict);
    }

    private void predict(Context ctx) {
        FeedbackJson.Decision decision;
        try {
            decision = FeedbackJson.parseDecision(ctx.body());
        } catch (InvalidTradeException e) {
            ctx.status(HttpStatus.BAD_REQUEST).json(ApiServer.failure(e.reason().code, e.getMessage()));
            return;
        }
        String modelId = LearningTopology.modelIdOf(decision.modelId(), defaultModelId);
        VoteScore score = learner.score(modelId, decision.votes());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        if (decision.decisionId() != null) body.put("decision_id", decision.decisionId());
        body.put("model_id", modelId);
        body.put("training_step", score.step());
        body.put("fingerprint", score.fingerprint());
        body.put("predicted_return", ApiServer.finite(score.predictedReturn()));
        Map<String, Object> committee = new LinkedHashMap<>();
        committee.put("learned", score.committeeLearned());
        committee.put("uniform", score.committeeUniform());
        body.put("committee_score", committee);
        ctx.json(body);
    }
}
