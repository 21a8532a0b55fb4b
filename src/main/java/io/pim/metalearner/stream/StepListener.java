package io.pim.metalearner.stream;

import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.race.ShadowRace;
import io.pim.metalearner.learn.score.Metrics;
import java.util.Collection;
import java.util.List;

/**
 * Told about every training step this instance runs, for metrics (step time, end-to-end latency,
 * the latest figures per model), about every applied ops command, which replaces a model's
 * learner without a step, about every change of the processors' counts (what this process did),
 * and about the models whose task leaves this instance. Called on the stream threads:
 * implementations must be quick and thread-safe.
 */
@FunctionalInterface
public interface StepListener {

    StepListener NONE = (modelId, step, stepNanos, latencyMs, activeAlerts) -> { };

    /**
     * @param step      the step's result; for a command, the new learner's figures (step, rolling
     *                  metrics, weights) with no prediction, outcome or loss (0), like its
     *                  {@code WeightsUpdated} notice
     * @param stepNanos how long the learner's step took; negative for a command (no step ran)
     * @param latencyMs from the trade's close (closed_at) to the end of its training step; negative
     *                  when the close carried no time, and for a command
     * @param activeAlerts the model's alerts raised and not cleared, after this step
     */
    void onStep(String modelId, StepResult step, long stepNanos, long latencyMs, List<AlertEvent> activeAlerts);

    /** The standings of the model's race with its shadow candidates after a step; only for a model that has candidates. */
    default void onRace(String modelId, List<ShadowRace.Standing> standings) {
    }

    /**
     * The model's running figures after the step or command just told: its training figures (each
     * trade predicted at its close, by the learner's own window) and its decision-time figures
     * (each trade judged by what the model said at the vote), null before a scored trade trained.
     */
    default void onFigures(String modelId, Metrics training, Metrics atDecision) {
    }

    /**
     * A processor's count changed ({@code CountStore}'s names: records in, trained, dead letters by
     * reason...), as this process processed a record; a transaction that aborts is counted all the same.
     */
    default void onCount(String name, long delta) {
    }

    /**
     * The task holding these models closed on this instance (its partition moved away, the instance
     * stops, or the task restarts after an error): their figures are no longer this instance's to report.
     */
    default void onModelsClosed(Collection<String> modelIds) {
    }
}
