package io.pim.metalearner.stream;

import io.pim.metalearner.learn.LearningCurve;
import io.pim.metalearner.learn.RecentScores;
import io.pim.metalearner.learn.StepResult;
import io.pim.metalearner.learn.VoteScore;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.alert.AlertMonitor;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * What ops watch about one model, kept beside its learner in the {@link LearningTopology#MODEL_WATCH_STORE}
 * store and written in the same step: the alert detectors' state, the recent learning curve and the
 * recent decision scores (predicted at vote time, settled with the actual return when trained on).
 * Not in the learner's own state on purpose: the learner's bytes define the model's fingerprint,
 * and thresholds or curve length must be changeable without changing what the model is.
 */
public final class ModelMonitor {

    /** Steps of learning curve kept per model for the status endpoint and the dashboard. */
    public static final int CURVE_POINTS = 500;
    /** Scored decisions kept per model for the dashboard. */
    public static final int RECENT_SCORES = 50;

    private final AlertMonitor alerts;
    private final LearningCurve curve;
    private final RecentScores scores;

    private ModelMonitor(AlertMonitor alerts, LearningCurve curve, RecentScores scores) {
        this.alerts = alerts;
        this.curve = curve;
        this.scores = scores;
    }

    public static ModelMonitor fresh(AlertConfig config) {
        return new ModelMonitor(new AlertMonitor(config), new LearningCurve(CURVE_POINTS), new RecentScores(RECENT_SCORES));
    }

    /** Remembers a decision scored at vote time, until its close settles it. */
    public void onScore(String decisionId, VoteScore score) {
        scores.add(decisionId, score);
    }

    /** Records the step; returns the alert transitions it caused. */
    public List<AlertEvent> onStep(StepResult step) {
        curve.add(step);
        scores.settle(step.decisionId(), step.actualReturn(), step.step());
        // the prequential squared error is what the loss alerts watch: the dropout loss is noisier
        double prequential = Math.pow(step.predictedReturn() - step.actualReturn(), 2);
        return alerts.onStep(step.step(), prequential, step.rollingR2(), step.agentWeights());
    }

    public AlertMonitor alerts() {
        return alerts;
    }

    public LearningCurve curve() {
        return curve;
    }

    public RecentScores scores() {
        return scores;
    }

    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(alerts.encodedSize() + curve.encodedSize() + scores.encodedSize());
        alerts.encode(out);
        curve.encode(out);
        scores.encode(out);
        if (out.hasRemaining()) throw new IllegalStateException("model-watch size miscounted by " + out.remaining());
        return out.array();
    }

    public static ModelMonitor decode(byte[] bytes, AlertConfig config) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            AlertMonitor alerts = AlertMonitor.decode(in, config);
            LearningCurve curve = LearningCurve.decode(in, CURVE_POINTS);
            // a watch written before decisions were scored ends after its curve
            RecentScores scores = in.hasRemaining() ? RecentScores.decode(in, RECENT_SCORES) : new RecentScores(RECENT_SCORES);
            return new ModelMonitor(alerts, curve, scores);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("model-watch state is unreadable: " + e.getMessage(), e);
        }
    }
}
