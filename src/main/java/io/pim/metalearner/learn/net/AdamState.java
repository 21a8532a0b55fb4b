package io.pim.metalearner.learn.net;

/**
 * The network's trainable state, engine-independent: parameters and Adam's first and second
 * moments in the flat DL4J layout (see {@link Network}), and how many Adam steps were taken.
 */
public record AdamState(float[] params, float[] m, float[] v, long step) {

    public static AdamState fresh(float[] params) {
        return new AdamState(params.clone(), new float[params.length], new float[params.length], 0);
    }

    public AdamState copy() {
        return new AdamState(params.clone(), m.clone(), v.clone(), step);
    }
}
