package io.pim.metalearner.stream;

import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.race.ShadowRace;
import java.util.List;

/**
 * Told about every training step this instance runs, for metrics (step time, end-to-end latency,
 * the latest figures per model), and about every applied ops command, which replaces a model's
 * learner without a step. Called on the stream thread: implementations must be quick.
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
}
