package io.pim.metalearner.learn.score;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * The running figures of one learner's trades judged at their decisions: each trade, when it
 * settles, by the prediction and the committee weights of the score its learner made when the trade
 * was decided, not by the model it is trained into (which has learned the trades that closed while
 * it was open). The rolling window, committee P&amp;L and direction accuracy are those a user should
 * act on; the same arithmetic offline ({@code evaluate}) and live (the stream), so the two agree.
 * A trade settled without a vote-time score is counted ({@link #unscored}) and enters no figure.
 */
public final class DecisionTimeFigures {
    private static final int FORMAT_VERSION = 1;

    private final RollingWindow window;
    private double pnlLearned, pnlUniform;
    private long judged, unscored;

    public DecisionTimeFigures(int window) {
        this.window = new RollingWindow(window);
    }

    /**
     * The figures of a trade just trained on ({@code step}), judged by its score at its decision:
     * the prediction then, and the committee's P&amp;L with the weights then. The rest (step, training
     * loss, weights after the step) is the step's.
     */
    public StepResult settle(VoteScore atDecision, double priceMove, StepResult step) {
        return settle(atDecision.predictedReturn(), atDecision.committeeLearned(), atDecision.committeeUniform(),
                priceMove, step);
    }

    public StepResult settle(double predicted, double committeeLearned, double committeeUniform, double priceMove,
                             StepResult step) {
        pnlLearned += Math.signum(committeeLearned) * priceMove;
        pnlUniform += Math.signum(committeeUniform) * priceMove;
        window.add(predicted, step.actualReturn());
        judged++;
        return new StepResult(step.step(), step.decisionId(), (float) predicted, step.actualReturn(),
                step.loss(), window.loss(), window.r2(), window.directionAccuracy(), step.agentWeights(), step.unknownAgents());
    }

    /** A trade trained with no score from its decision (e.g. votes never scored): counted, judged by nothing. */
    public void countUnscored() {
        unscored++;
    }

    /** The running figures after {@code step} trained trades, as {@link io.pim.metalearner.learn.Learner#metrics} reports its own. */
    public Metrics metrics(long step) {
        return new Metrics(step, window.loss(), window.r2(), window.directionAccuracy(), pnlLearned, pnlUniform);
    }

    /** Trades judged by their vote-time score. */
    public long judged() {
        return judged;
    }

    /** Trades trained without one. */
    public long unscored() {
        return unscored;
    }

    public int encodedSize() {
        return 4 + 3 * 4 + 2 * 8 * window.predicted.length + 2 * 8 + 2 * 8;
    }

    public void encode(ByteBuffer out) {
        out.putInt(FORMAT_VERSION).putInt(window.predicted.length).putInt(window.size).putInt(window.next);
        for (int i = 0; i < window.predicted.length; i++) out.putDouble(window.predicted[i]).putDouble(window.actual[i]);
        out.putDouble(pnlLearned).putDouble(pnlUniform).putLong(judged).putLong(unscored);
    }

    /** @throws IllegalArgumentException if the bytes are not figures this version can read */
    public static DecisionTimeFigures decode(ByteBuffer in) {
        try {
            int version = in.getInt();
            if (version != FORMAT_VERSION) throw new IllegalArgumentException("unknown decision-time figures format " + version);
            int capacity = in.getInt(), size = in.getInt(), next = in.getInt();
            if (capacity < 1 || size < 0 || size > capacity || next < 0 || next >= capacity
                    || (long) capacity * 16 > in.remaining()) {
                throw new IllegalArgumentException("a window of " + size + " in " + capacity + " slots");
            }
            DecisionTimeFigures f = new DecisionTimeFigures(capacity);
            for (int i = 0; i < capacity; i++) {
                f.window.predicted[i] = in.getDouble();
                f.window.actual[i] = in.getDouble();
            }
            f.window.size = size;
            f.window.next = next;
            f.pnlLearned = in.getDouble();
            f.pnlUniform = in.getDouble();
            f.judged = in.getLong();
            f.unscored = in.getLong();
            return f;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("decision-time figures are truncated", e);
        }
    }
}
