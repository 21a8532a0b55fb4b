package io.pim.metalearner.learn.predict;

import io.pim.metalearner.learn.net.Rng;
import java.nio.ByteBuffer;

/**
 * A model family beside the original network ({@link ModelSpec}): predicts the position's return
 * from a trade's inputs and learns from its outcome. Every family keeps its whole state, random
 * state included, in {@link #encode}, so a variant is as deterministic and restartable as the original.
 */
public interface Predictor {

    /** Eval-mode prediction (no dropout). */
    double predict(double[] x);

    /**
     * Learns one trade.
     *
     * @return the squared error of this step's training-mode prediction
     * @throws InvalidTradeException {@code non-finite-value} if the step's numbers are not finite;
     *         the predictor is then exactly as it was
     */
    double train(double[] x, double target);

    /** Zeroes the optimiser's moments and step count (a regime response); families without them refuse the config. */
    default void resetMoments() {
        throw new UnsupportedOperationException("this model has no optimiser moments");
    }

    /** Multiplies the learning rate of the following steps by {@code scale} (a regime response's boost). */
    default void learningRateScale(double scale) {
        throw new UnsupportedOperationException("this model has no learning rate");
    }

    /** Whether every parameter is finite: the learner's guard checks it before each step. */
    boolean finite();

    int stateSize();

    void encode(ByteBuffer out);

    /** Reads what {@link #encode} wrote into a predictor made from the same spec and roster. */
    void decode(ByteBuffer in);

    /** A fresh predictor of {@code spec} over {@code inputs} features, its random state from {@code seed}. */
    static Predictor create(ModelSpec spec, int inputs, long seed) {
        return switch (spec.family()) {
            case "net" -> new NetModel(spec, inputs, new Rng(seed));
            case "ensemble" -> new EnsembleModel(spec, inputs, seed);
            case "ridge" -> new RidgeModel(spec, inputs);
            default -> throw new IllegalArgumentException("model: " + spec.family() + " is not a variant family");
        };
    }
}
