package io.pim.metalearner.stream;

import io.pim.metalearner.learn.StepResult;

/**
 * Told about every training step this instance runs, for metrics (step time, end-to-end latency,
 * the latest figures per model). Called on the stream thread: implementations must be quick.
 */
@FunctionalInterface
public interface StepListener {

    StepListener NONE = (modelId, step, stepNanos, latencyMs) -> { };

    /**
     * @param stepNanos how long the learner's step took
     * @param latencyMs from the trade's close (closed_at) to the end of its training step; negative
     *                  when the close carried no time
     */
    void onStep(String modelId, StepResult step, long stepNanos, long latencyMs);
}
