package io.pim.metalearner.api;

import io.pim.metalearner.learn.score.AgentStats;
import io.pim.metalearner.learn.score.DecisionTimeFigures;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.score.LearningCurve;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.RecentScores;
import io.pim.metalearner.learn.alert.AlertMonitor;
import io.pim.metalearner.learn.alert.AlertType;
import io.pim.metalearner.learn.race.PromotionPolicy;
import io.pim.metalearner.learn.race.ShadowRace;
import java.util.List;
import java.util.Map;

/** Builds the HTTP view of a model from what the training processor keeps for it. */
public final class Statuses {

    private Statuses() {
    }

    public static LearnerView.Status of(String modelId, Learner learner, LearningCurve curve, AlertMonitor alerts) {
        return of(modelId, learner, curve, alerts, new RecentScores(1));
    }

    public static LearnerView.Status of(String modelId, Learner learner, LearningCurve curve, AlertMonitor alerts,
                                        RecentScores scores) {
        return of(modelId, learner, curve, alerts, scores, null);
    }

    /** @param race the model's race with its candidates, null if it has none */
    public static LearnerView.Status of(String modelId, Learner learner, LearningCurve curve, AlertMonitor alerts,
                                        RecentScores scores, LearnerView.Race race) {
        return of(modelId, learner, curve, alerts, scores, race, null);
    }

    /** @param decisionTime the model's trades judged at their decisions, null if none trained yet */
    public static LearnerView.Status of(String modelId, Learner learner, LearningCurve curve, AlertMonitor alerts,
                                        RecentScores scores, LearnerView.Race race, DecisionTimeFigures decisionTime) {
        Metrics m = learner.metrics();
        List<LearnerView.CurvePoint> points = curve.points().stream()
                .map(p -> new LearnerView.CurvePoint(p.step(), p.loss(), p.rollingLoss(), p.predictedReturn(), p.actualReturn()))
                .toList();
        List<LearnerView.Agent> agents = learner.agentStats().entrySet().stream()
                .map(Statuses::agent)
                .toList();
        return new LearnerView.Status(modelId, learner.step(), m.rollingLoss(), m.rollingR2(), m.rollingDirectionAccuracy(),
                m.committeePnlLearned(), m.committeePnlUniform(), points, agents, alerts.active(),
                scores.entries().stream().map(Statuses::scored).toList(), race, decisionTime);
    }

    /** The race as the status endpoint's {@code candidate_race} shows it. */
    public static java.util.Map<String, Object> json(LearnerView.Race race) {
        return ApiJson.race(race);
    }

    /** The view of a race; whether a drift alert is active comes from the model's watch. */
    public static LearnerView.Race race(ShadowRace race, PromotionPolicy policy, AlertMonitor alerts) {
        boolean driftActive = alerts.active().stream().anyMatch(a -> a.type() == AlertType.LOSS_DRIFT);
        return new LearnerView.Race(race.window(), policy, race.live(), race.standings(), race.alerted(),
                race.driftInWindow(driftActive), race.tradesSincePromotion());
    }

    private static LearnerView.ScoredDecision scored(RecentScores.Entry e) {
        return new LearnerView.ScoredDecision(e.decisionId(), e.scoredAfterStep(), e.predictedReturn(), e.committeeLearned(),
                e.committeeUniform(), e.closed() ? e.actualReturn() : null, e.closed() ? e.trainedAtStep() : null);
    }

    private static LearnerView.Agent agent(Map.Entry<String, AgentStats> e) {
        AgentStats s = e.getValue();
        return new LearnerView.Agent(e.getKey(), s.weight(), s.decisions(), s.accuracy(), s.avgProfitContribution());
    }
}
