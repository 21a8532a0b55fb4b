package io.pim.metalearner.learn.net;

import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.trade.Rejection;

/**
 * Gradient clipping by the global L2 norm of all gradients, PyTorch's {@code clip_grad_norm_}
 * (max norm 0.5): every gradient is scaled by 0.5 / (norm + 1e-6) when that is below 1. DL4J only
 * clips per layer, so both engines use this one definition, and so scale by the same float.
 */
public final class GlobalNorm {

    private GlobalNorm() {
    }

    /**
     * The global L2 norm. The squares are summed in double into four partial sums in a fixed order:
     * deterministic, and four times shorter a chain of dependent additions than one running sum.
     * NaN or infinite if any gradient is.
     */
    public static double of(float[] g) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < g.length; i += 4) {
            s0 += (double) g[i] * g[i];
            s1 += (double) g[i + 1] * g[i + 1];
            s2 += (double) g[i + 2] * g[i + 2];
            s3 += (double) g[i + 3] * g[i + 3];
        }
        for (; i < g.length; i++) s0 += (double) g[i] * g[i];
        return Math.sqrt((s0 + s1) + (s2 + s3));
    }

    /** The factor to multiply the gradient by, 1 if it needs no clipping. */
    public static float clipCoefficient(double norm) {
        float coef = (float) (Network.CLIP_NORM / (norm + 1e-6));
        return Math.min(coef, 1f);
    }

    /**
     * Refuses a step whose loss or gradient norm is not finite, before it changes anything: one
     * NaN in an update would spread to every parameter and Adam moment, and no later trade could
     * repair them. Both engines call this between backward and the update.
     *
     * @throws InvalidTradeException {@code non-finite-value}
     */
    public static void requireFinite(float loss, double norm) {
        if (!Float.isFinite(loss) || !Double.isFinite(norm)) {
            throw new InvalidTradeException(Rejection.NON_FINITE_VALUE,
                    "the training step's loss is " + loss + " and its gradient norm " + norm + "; the step is not taken");
        }
    }
}
