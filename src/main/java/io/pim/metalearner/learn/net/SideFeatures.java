package io.pim.metalearner.learn.net;

import io.pim.metalearner.learn.trade.Vote;

/**
 * The votes relative to the position: per roster agent a = side·direction (+1 agrees with the
 * committee's side, −1 opposes it, 0 neutral or absent), a·confidence and a·position size / 10,
 * then the side itself. The target is the position's return (the price move negated for a short),
 * so with raw votes a model must learn the product of side and vote before anything else; here a
 * skilled agent's agreement predicts a positive return whichever side was taken, and even a linear
 * model can express it. Size is divided by 10 to sit on the scale of the other inputs.
 */
public final class SideFeatures {
    private SideFeatures() {
    }

    public static int size(int agents) {
        return agents * Network.FEATURES_PER_AGENT + 1;
    }

    public static double[] encode(Vote[] votes, int side) {
        double[] x = new double[size(votes.length)];
        for (int i = 0; i < votes.length; i++) {
            Vote v = votes[i];
            if (v == null) continue;
            double a = side * v.direction().sign;
            x[3 * i] = a;
            x[3 * i + 1] = a * v.confidence();
            x[3 * i + 2] = a * v.positionSize() / 10;
        }
        x[x.length - 1] = side;
        return x;
    }

    /** The original encoding, in double: what {@code features=votes} gives a variant. */
    public static double[] votes(float[] values) {
        double[] x = new double[values.length];
        for (int i = 0; i < values.length; i++) x[i] = values[i];
        return x;
    }
}
