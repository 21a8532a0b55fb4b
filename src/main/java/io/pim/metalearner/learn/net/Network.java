package io.pim.metalearner.learn.net;

/**
 * The seed's network shape and the flat parameter layout both engines share. The layout is DL4J's
 * {@code MultiLayerNetwork.params()}: per layer, the weight matrix [nIn x nOut] in column-major
 * ('f') order (W[i][j] at i + j*nIn), then the nOut biases.
 */
public final class Network {
    public static final int FEATURES_PER_AGENT = 3;
    public static final int HIDDEN1 = 64;
    public static final int HIDDEN2 = 32;
    public static final float DROPOUT = 0.2f;
    public static final float OUTPUT_SCALE = 0.2f;
    public static final float LEARNING_RATE = 1e-3f;
    public static final float BETA1 = 0.9f;
    public static final float BETA2 = 0.999f;
    public static final float EPSILON = 1e-8f;
    public static final float CLIP_NORM = 0.5f;

    public final int inputs;
    /** Offsets into the flat array. */
    public final int w1, b1, w2, b2, w3, b3, paramCount;

    public Network(int agents) {
        if (agents < 1) throw new IllegalArgumentException("the roster needs at least one agent");
        inputs = agents * FEATURES_PER_AGENT;
        w1 = 0;
        b1 = w1 + inputs * HIDDEN1;
        w2 = b1 + HIDDEN1;
        b2 = w2 + HIDDEN1 * HIDDEN2;
        w3 = b2 + HIDDEN2;
        b3 = w3 + HIDDEN2;
        paramCount = b3 + 1;
    }

    /**
     * PyTorch's default {@code nn.Linear} init (weights and biases uniform in ±1/√fan_in), drawn
     * from {@code rng} in flat-layout order.
     */
    public float[] initialParams(Rng rng) {
        float[] p = new float[paramCount];
        fillUniform(p, w1, w2, inputs, rng);
        fillUniform(p, w2, w3, HIDDEN1, rng);
        fillUniform(p, w3, paramCount, HIDDEN2, rng);
        return p;
    }

    private static void fillUniform(float[] p, int from, int to, int fanIn, Rng rng) {
        float bound = (float) (1.0 / Math.sqrt(fanIn));
        for (int i = from; i < to; i++) p[i] = (2f * rng.nextFloat() - 1f) * bound;
    }

    /**
     * An inverted-dropout mask for one layer's output: each unit kept with probability 0.8 and then
     * scaled by 1/0.8 (PyTorch's {@code nn.Dropout(0.2)} in train mode), dropped otherwise.
     */
    public static float[] dropoutMask(int units, Rng rng) {
        float[] mask = new float[units];
        float keep = 1f - DROPOUT;
        for (int i = 0; i < units; i++) mask[i] = rng.nextFloat() < keep ? 1f / keep : 0f;
        return mask;
    }
}
