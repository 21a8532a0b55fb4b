package io.pim.metalearner.api;

import io.pim.metalearner.api.FeedbackGateway.Feedback;
import io.pim.metalearner.api.FeedbackGateway.Trained;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.race.ShadowRace;
import io.pim.metalearner.learn.score.DecisionTimeFigures;
import io.pim.metalearner.learn.score.Metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.pim.metalearner.api.ApiServer.finite;

/** The JSON shapes of the API's answers, built from the learner view's records: one place, so the endpoints stay short. */
final class ApiJson {
    private ApiJson() {
    }

    /** The status of a model; a known model without state yet (the default before its first trade) is at step 0. */
    static Map<String, Object> status(String modelId, Optional<LearnerView.Status> state, int curvePoints) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model_id", modelId);
        state.ifPresentOrElse(s -> {
            body.put("training_step", s.trainingStep());
            body.put("rolling_loss", finite(s.rollingLoss()));
            body.put("rolling_r2", s.rollingR2() == null ? null : finite(s.rollingR2()));
            body.put("direction_accuracy", finite(s.directionAccuracy()));
            body.put("committee_pnl", ordered("learned", s.committeePnlLearned(), "uniform", s.committeePnlUniform()));
            List<LearnerView.CurvePoint> curve = s.curve();
            body.put("learning_curve", curve.subList(Math.max(0, curve.size() - curvePoints), curve.size()).stream()
                    .map(p -> ordered("training_step", p.trainingStep(), "loss", p.loss(), "rolling_loss", p.rollingLoss(),
                            "predicted_return", p.predictedReturn(), "actual_return", p.actualReturn()))
                    .toList());
            body.put("agent_weights", weights(s));
            body.put("agents", agents(s));
            body.put("active_alerts", s.activeAlerts().stream().map(ApiJson::alert).toList());
            List<LearnerView.ScoredDecision> newestFirst = new ArrayList<>(s.recentScores());
            Collections.reverse(newestFirst);
            body.put("recent_scores", newestFirst.stream().map(ApiJson::scored).toList());
            if (s.decisionTime() != null) body.put("decision_time", decisionTime(s.decisionTime(), s.trainingStep()));
            if (s.race() != null) body.put("candidate_race", race(s.race()));
        }, () -> {
            body.put("training_step", 0);
            body.put("learning_curve", List.of());
            body.put("agent_weights", Map.of());
            body.put("agents", List.of());
            body.put("active_alerts", List.of());
            body.put("recent_scores", List.of());
        });
        return body;
    }

    static Map<String, Object> weights(String modelId, Optional<LearnerView.Status> state) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model_id", modelId);
        body.put("training_step", state.map(LearnerView.Status::trainingStep).orElse(0L));
        body.put("agent_weights", state.map(ApiJson::weights).orElse(Map.of()));
        body.put("agents", state.map(ApiJson::agents).orElse(List.of()));
        return body;
    }

    /** The seed's response shape. Its model predicted the position's return, which it called profit. */
    static Map<String, Object> trained(Feedback parsed, Trained t) {
        Map<String, Object> learner = new LinkedHashMap<>();
        learner.put("predicted_profit", t.predictedReturn());
        learner.put("actual_profit", t.actualReturn());
        learner.put("loss", t.loss());
        learner.put("training_step", t.trainingStep());
        learner.put("agent_weights", t.agentWeights());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        // the seed's meaning: the agents of this vote the learner used, i.e. those in its roster (another agent's
        // vote is ignored). A NEUTRAL vote counts: it is one of the model's inputs, though its weight stays put.
        body.put("agents_updated", parsed.trade().votes().keySet().stream().filter(t.agentWeights()::containsKey).count());
        body.put("meta_learner", learner);
        return body;
    }

    static List<Map<String, Object>> models(List<LearnerView.ModelEntry> models) {
        return models.stream().map(m -> ordered("model_id", m.modelId(), "owner", m.owner(),
                "training_step", m.trainingStep())).toList();
    }

    static Map<String, Double> weights(LearnerView.Status s) {
        Map<String, Double> weights = new LinkedHashMap<>();
        s.agents().forEach(a -> weights.put(a.name(), a.weight()));
        return weights;
    }

    static List<Map<String, Object>> agents(LearnerView.Status s) {
        return s.agents().stream().map(a -> {
            Map<String, Object> agent = new LinkedHashMap<>();
            agent.put("agent_id", a.name());
            agent.put("weight", a.weight());
            agent.put("total_decisions", a.decisions());
            agent.put("accuracy", finite(a.accuracy()));
            agent.put("avg_profit_contribution", finite(a.avgProfitContribution()));
            return agent;
        }).toList();
    }

    /** A decision scored at vote time; actual_return and trained_at_step stay null until its close trained. */
    static Map<String, Object> scored(LearnerView.ScoredDecision d) {
        return ordered("decision_id", d.decisionId(), "scored_after_step", d.scoredAfterStep(),
                "predicted_return", finite(d.predictedReturn()), "committee_score_learned", finite(d.committeeLearned()),
                "committee_score_uniform", finite(d.committeeUniform()),
                "actual_return", d.actualReturn() == null ? null : finite(d.actualReturn()), "trained_at_step", d.trainedAtStep());
    }

    /** The model's trades judged by the scores made when they were decided, and how many were not scored. */
    static Map<String, Object> decisionTime(DecisionTimeFigures f, long step) {
        Metrics m = f.metrics(step);
        return ordered("trades_judged", f.judged(), "trades_unscored", f.unscored(), "rolling_loss", finite(m.rollingLoss()),
                "rolling_r2", nullable(m.rollingR2()), "direction_accuracy", finite(m.rollingDirectionAccuracy()),
                "committee_pnl", ordered("learned", m.committeePnlLearned(), "uniform", m.committeePnlUniform()));
    }

    /** The race with the shadow candidates: the live model's window figures, then each candidate's against it. */
    static Map<String, Object> race(LearnerView.Race r) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("window", r.window());
        body.put("policy", ordered("mode", r.policy().mode(), "min_trades", r.policy().minTrades(),
                "significance", r.policy().significance(), "cooldown", r.policy().cooldown(),
                "allow_drift", r.policy().allowDrift(), "criterion", r.policy().criterion(),
                "min_lag", r.policy().minLag()));
        ShadowRace.Live live = r.live();
        body.put("live", ordered("trades", live.trades(), "loss", finite(live.loss()), "r2", nullable(live.r2()),
                "committee_pnl_learned", finite(live.pnlLearned()), "committee_pnl_uniform", finite(live.pnlUniform())));
        body.put("candidates", r.standings().stream().map(s -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("model_id", s.candidate());
            c.put("trades", s.trades());
            c.put("loss", finite(s.candidateLoss()));
            c.put("live_loss", finite(s.liveLoss()));
            c.put("r2", nullable(s.candidateR2()));
            c.put("live_r2", nullable(s.liveR2()));
            c.put("committee_pnl_learned", finite(s.candidatePnl()));
            c.put("live_committee_pnl_learned", finite(s.livePnl()));
            c.put("committee_pnl_uniform", finite(s.uniformPnl()));
            c.put("diebold_mariano", ordered("mean_loss_differential", finite(s.test().meanDiff()),
                    "statistic", finite(s.test().statistic()), "p_value", finite(s.test().pValue()), "lag", s.test().lag()));
            c.put("diebold_mariano_pnl", ordered("mean_pnl_differential", finite(s.pnlTest().meanDiff()),
                    "statistic", finite(s.pnlTest().statistic()), "p_value", finite(s.pnlTest().pValue()),
                    "lag", s.pnlTest().lag()));
            c.put("better", r.better().contains(s.candidate()));
            c.put("disqualified", s.disqualified());
            return c;
        }).toList());
        body.put("drift_in_window", r.driftInWindow());
        body.put("trades_since_promotion", r.tradesSincePromotion() < 0 ? null : r.tradesSincePromotion());
        return body;
    }

    private static Double nullable(Double value) {
        return value == null ? null : finite(value);
    }

    static Map<String, Object> alert(AlertEvent e) {
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("type", e.type().id());
        alert.put("raised_at_step", e.trainingStep());
        alert.put("value", finite(e.value()));
        alert.put("threshold", finite(e.threshold()));
        alert.put("message", e.message());
        return alert;
    }

    /** A JSON object with its keys in the order given (Map.of has none), for readable responses. */
    static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return map;
    }
}
