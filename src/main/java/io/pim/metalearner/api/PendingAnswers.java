package io.pim.metalearner.api;

import io.pim.metalearner.api.FeedbackGateway.Outcome;
import io.pim.metalearner.api.FeedbackGateway.Trained;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The feedback requests of this instance waiting for the stream's answer, one wait per decision
 * id, and which answer is theirs.
 * <ul>
 * <li>A weight update answers a wait only if it is of the model the feedback trains (its
 * {@code model_id}, else the default model): a candidate that learns beside that model emits its
 * own update for the same decision, and a candidate catching up re-emits old decisions.</li>
 * <li>A second request for a decision whose wait is in flight is not published again (that would
 * only be dead-lettered as a duplicate of the first, whatever becomes of the first): it shares the
 * first one's wait and gets the same answer, a 202 included.</li>
 * <li>Only records made at or after the wait began can answer it: the outputs of an earlier
 * submission of the same decision may become visible (at its transaction's commit) after this one
 * was published. The stream stamps its records with its own clock, so across hosts a skewed clock
 * can only make a request wait out its timeout (202), never answer it wrongly.</li>
 * </ul>
 * A wait is forgotten when answered, failed, or after {@code maxWait}: then it fails with a
 * {@link java.util.concurrent.TimeoutException}, and a later request for the decision publishes anew.
 */
final class PendingAnswers {

    private record Pending(String modelId, long publishedAtMs, CompletableFuture<Outcome> answer) {
    }

    /**
     * A request's place in a decision's wait.
     *
     * @param first  this request opened the wait: it publishes the feedback, and fails {@code shared} if that fails
     * @param shared completed by the stream's answer; callers wait on {@link #answer()}
     */
    record Wait(boolean first, CompletableFuture<Outcome> shared) {
        /** This caller's view of the answer: completing it (e.g. on the caller's own timeout) ends no one else's wait. */
        CompletableFuture<Outcome> answer() {
            return shared.copy();
        }
    }

    private final Map<String, Pending> byDecision = new ConcurrentHashMap<>();
    private final Duration maxWait;

    PendingAnswers(Duration maxWait) {
        this.maxWait = maxWait;
    }

    /** Joins the decision's wait, opening it if none is in flight; {@code modelId} is the model the feedback trains. */
    Wait await(String decisionId, String modelId, long nowMs) {
        Pending mine = new Pending(modelId, nowMs, new CompletableFuture<>());
        // a wait that has ended is never shared, even in the instant before it is removed
        Pending current = byDecision.compute(decisionId, (id, p) -> p == null || p.answer().isDone() ? mine : p);
        if (current != mine) return new Wait(false, current.answer());
        mine.answer().orTimeout(maxWait.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((outcome, error) -> byDecision.remove(decisionId, mine));
        return new Wait(true, mine.answer());
    }

    /** A weight update made at {@code madeAtMs}: answers the decision's wait if it is of the awaited model. */
    void trained(String decisionId, long madeAtMs, Trained update) {
        Pending p = byDecision.get(decisionId);
        if (p != null && madeAtMs >= p.publishedAtMs() && p.modelId().equals(update.modelId())) p.answer().complete(update);
    }

    /** A dead letter of the decision's close: it reached no model, so it answers whatever model the wait is for. */
    void refused(String decisionId, long madeAtMs, Outcome outcome) {
        Pending p = byDecision.get(decisionId);
        if (p != null && madeAtMs >= p.publishedAtMs()) p.answer().complete(outcome);
    }

    boolean isEmpty() {
        return byDecision.isEmpty();
    }

    void failAll(Throwable error) {
        byDecision.values().forEach(p -> p.answer().completeExceptionally(error));
    }
}
