package io.pim.metalearner.offline;

import io.pim.metalearner.learn.score.DecisionTimeFigures;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.trade.Trade;

/**
 * The running figures of one learner's trades judged at their decisions, in decision time
 * ({@link DecisionTime}): what a live model would have shown, the prediction and the committee's
 * weights as they stood when each trade was decided, scored against its outcome when it settles.
 * The arithmetic is the stream's ({@link DecisionTimeFigures}), so offline and live agree.
 */
final class DecisionFigures {
    private final DecisionTimeFigures figures;

    DecisionFigures(int window) {
        this.figures = new DecisionTimeFigures(window);
    }

    /**
     * The figures of a trade just trained on ({@code step}), judged by its score at its decision:
     * the prediction then, and the committee's P&amp;L with the weights then. The rest (step, training
     * loss, weights after the step) is the step's.
     */
    StepResult settle(Trade trade, VoteScore atDecision, StepResult step) {
        return figures.settle(atDecision, trade.priceMove(), step);
    }

    /** The running figures after {@code step} settled trades, as {@link io.pim.metalearner.learn.Learner#metrics} reports its own. */
    Metrics metrics(long step) {
        return figures.metrics(step);
    }
}
