package io.pim.metalearner.testing;

import io.pim.metalearner.learn.net.Network;
import io.pim.metalearner.learn.net.Rng;

/**
 * A seeded stream of training examples that look like the product's: per agent a direction in
 * {-1, 0, 1}, a confidence in [0, 1] and a position size of 1–20; the target is a return of a few
 * percent that some agents' directions partly explain, so the network has something to learn.
 */
public final class SyntheticStream {
    public final Network net;
    private final Rng data;
    private final Rng dropout;
    private final double[] skill;

    public float[] features;
    public float target;
    public float[] mask1, mask2;

    public SyntheticStream(Network net, long seed) {
        this.net = net;
        this.data = new Rng(seed);
        this.dropout = new Rng(seed ^ 0x5DEECE66DL);
        int agents = net.inputs / Network.FEATURES_PER_AGENT;
        skill = new double[agents];
        for (int a = 0; a < agents; a++) skill[a] = data.nextDouble() * 2 - 0.5;
    }

    /** Draws the next example and this step's dropout masks. */
    public SyntheticStream next() {
        int agents = skill.length;
        features = new float[net.inputs];
        double move = (data.nextDouble() * 2 - 1) * 0.05;
        for (int a = 0; a < agents; a++) {
            // a skilled agent tends to call the move's sign; NEUTRAL about a fifth of the time
            double r = data.nextDouble();
            int direction = r < 0.2 ? 0 : (data.nextDouble() < 0.5 + 0.4 * skill[a] * Math.signum(move) ? 1 : -1);
            if (direction != 0 && move < 0) direction = -direction;
            features[3 * a] = direction;
            features[3 * a + 1] = (float) data.nextDouble();
            features[3 * a + 2] = (float) (1 + 19 * data.nextDouble());
        }
        target = (float) move;
        mask1 = Network.dropoutMask(Network.HIDDEN1, dropout);
        mask2 = Network.dropoutMask(Network.HIDDEN2, dropout);
        return this;
    }
}
