package io.pim.metalearner.stream;

import io.pim.metalearner.learn.StepResult;
import io.pim.metalearner.learn.alert.AlertEvent;
import java.util.List;

/**
 * Told about every training step this instance runs, for metrics (step time, end-to-end latency,
 * the latest figures per model). Called on the stream thread: implementations must be quick.
 */
@FunctionalInterface
public interface StepListener {

    StepListener NONE = (modelId, step, stepNanos, latencyMs, activeAlerts) -> { };

    /**
     * @param stepNanos how long the learner's step took
     * @param latencyMs from the trade's close (closed_at) to the end of its training step; negative
     *                  when the close carried no time
     * @param activeAlerts the model's alerts raised and not cleared, after this step
     */
    void onStep(String modelId, StepResult step, long stepNanos, long latencyMs, List<AlertEvent> activeAlerts);
}
