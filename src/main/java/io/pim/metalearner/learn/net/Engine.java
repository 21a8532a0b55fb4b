package io.pim.metalearner.learn.net;

/**
 * One implementation of the seed's network and training step. Engines are interchangeable: the
 * same parameters, Adam moments and dropout masks give the same result (within float rounding),
 * so the learner state does not depend on the engine that produced it.
 */
public interface Engine {

    Network network();

    /** Eval-mode prediction (no dropout): tanh(out) × 0.2. */
    float predict(float[] features);

    /**
     * One training step: forward with the given dropout masks (for the outputs of hidden layers 1
     * and 2, see {@link Network#dropoutMask}), MSE against {@code target}, backward, clip the
     * gradient by its global L2 norm at 0.5, one Adam update (DL4J's formula).
     *
     * @return the loss of this step's (training-mode) forward pass
     * @throws InvalidTradeException {@code non-finite-value} if the loss or the gradient's global
     *         norm is not finite; parameters, moments and step count are then left as they were
     */
    float trainStep(float[] features, float target, float[] mask1, float[] mask2);

    /** A copy of the current parameters, optimizer moments and step count. */
    AdamState state();

    /**
     * The same without copying where the engine keeps them as Java arrays: for reading at once
     * (encoding the state after every step), never to keep or change. A copy by default.
     */
    default AdamState stateView() {
        return state();
    }

    /**
     * Multiplies the learning rate of the following steps by {@code scale} (1, the default, is the
     * seed's 1e-3): a regime response's boost ({@link RegimeResponse}). Not part of the state: the
     * learner sets it before every step while a response is configured.
     */
    void learningRateScale(float scale);

    /** Replaces parameters, moments and step count. */
    void load(AdamState state);

    /** Name used in configuration: {@code fast} or {@code dl4j}. */
    String name();
}
