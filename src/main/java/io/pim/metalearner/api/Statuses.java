package io.pim.metalearner.api;

import io.pim.metalearner.learn.AgentStats;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearningCurve;
import io.pim.metalearner.learn.Metrics;
import io.pim.metalearner.learn.alert.AlertMonitor;
import java.util.List;
import java.util.Map;

/** Builds the HTTP view of a model from what the training processor keeps for it. */
public final class Statuses {

    private Statuses() {
    }

    public static LearnerView.Status of(String modelId, Learner learner, LearningCurve curve, AlertMonitor alerts) {
        Metrics m = learner.metrics();
        List<LearnerView.CurvePoint> points = curve.points().stream()
                .map(p -> new LearnerView.CurvePoint(p.step(), p.loss(), p.rollingLoss(), p.predictedReturn(), p.actualReturn()))
                .toList();
        List<LearnerView.Agent> agents = learner.agentStats().entrySet().stream()
                .map(Statuses::agent)
                .toList();
        return new LearnerView.Status(modelId, learner.step(), m.rollingLoss(), m.rollingR2(), m.rollingDirectionAccuracy(),
                m.committeePnlLearned(), m.committeePnlUniform(), points, agents, alerts.active());
    }

    private static LearnerView.Agent agent(Map.Entry<String, AgentStats> e) {
        AgentStats s = e.getValue();
        return new LearnerView.Agent(e.getKey(), s.weight(), s.decisions(), s.accuracy(), s.avgProfitContribution());
    }
}
