package io.pim.metalearner.api;

import io.pim.metalearner.learn.trade.Trade;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Turns one feedback body into the two events the stream learns from (the decision's votes, then
 * its close) and tells when the stream has trained on it. The HTTP layer bounds the wait.
 */
public interface FeedbackGateway {

    /**
     * Publishes the feedback's votes and close. The future completes with the outcome for this
     * decision: its weight update (of the model the feedback trains), or the stream's refusal. It
     * fails if publishing fails, or with a {@link java.util.concurrent.TimeoutException} if the
     * gateway gives up waiting (the HTTP layer answers 202 then, as for its own timeout).
     */
    CompletableFuture<Outcome> submit(Feedback feedback);

    /** A validated feedback body: the trade the learner will see, and the body itself to publish from. */
    record Feedback(Trade trade, String body) {
    }

    sealed interface Outcome permits Trained, AlreadyTrained, Rejected {
    }

    /** The weight update that came out of this decision's training step. */
    record Trained(String modelId, long trainingStep, double predictedReturn, double actualReturn, double loss,
                   Map<String, Double> agentWeights) implements Outcome {
    }

    /** The decision had been trained before: the stream dead-lettered this close as a duplicate. */
    record AlreadyTrained(String decisionId) implements Outcome {
    }

    /** The stream dead-lettered the feedback for another reason. */
    record Rejected(String reason, String detail) implements Outcome {
    }
}
