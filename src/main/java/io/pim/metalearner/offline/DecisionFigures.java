package io.pim.metalearner.offline;

import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.RollingWindow;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.trade.Trade;

/**
 * The running figures of one learner's trades judged at their decisions, in decision time
 * ({@link DecisionTime}): what a live model would have shown, the prediction and the committee's
 * weights as they stood when each trade was decided, scored against its outcome when it settles.
 */
final class DecisionFigures {
    private final RollingWindow window;
    private double pnlLearned, pnlUniform;

    DecisionFigures(int window) {
        this.window = new RollingWindow(window);
    }

    /**
     * The figures of a trade just trained on ({@code step}), judged by its score at its decision:
     * the prediction then, and the committee's P&amp;L with the weights then. The rest (step, training
     * loss, weights after the step) is the step's.
     */
    StepResult settle(Trade trade, VoteScore atDecision, StepResult step) {
        double move = trade.priceMove();
        pnlLearned += Math.signum(atDecision.committeeLearned()) * move;
        pnlUniform += Math.signum(atDecision.committeeUniform()) * move;
        window.add(atDecision.predictedReturn(), step.actualReturn());
        return new StepResult(step.step(), step.decisionId(), (float) atDecision.predictedReturn(), step.actualReturn(),
                step.loss(), window.loss(), window.r2(), window.directionAccuracy(), step.agentWeights(), step.unknownAgents());
    }

    /** The running figures after {@code step} settled trades, as {@link io.pim.metalearner.learn.Learner#metrics} reports its own. */
    Metrics metrics(long step) {
        return new Metrics(step, window.loss(), window.r2(), window.directionAccuracy(), pnlLearned, pnlUniform);
    }
}
