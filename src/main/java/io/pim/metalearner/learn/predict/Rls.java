package io.pim.metalearner.learn.predict;

/**
 * One recursive-least-squares step with forgetting factor λ, shared by the ridge predictor and the
 * linear weight rule: k = P·x / (λ + xᵀ·P·x); w ← w + k·(y − wᵀ·x); P ← (P − k·(P·x)ᵀ) / λ.
 * P stays symmetric by construction: only its upper triangle is computed and mirrored, so rounding
 * cannot make it drift asymmetric over millions of steps.
 */
public final class Rls {
    private Rls() {
    }

    /**
     * @param w  coefficients, updated in place
     * @param p  d×d row-major inverse information matrix, updated in place
     * @param px scratch of length d
     * @return the prior error y − wᵀ·x (before the update)
     */
    public static double update(double[] w, double[] p, double[] px, double[] x, double y, double forget) {
        int d = w.length;
        double xpx = 0, prior = y;
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) s += p[i * d + j] * x[j];
            px[i] = s;
            xpx += x[i] * s;
            prior -= w[i] * x[i];
        }
        double denom = forget + xpx;
        for (int i = 0; i < d; i++) w[i] += px[i] / denom * prior;
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                double v = (p[i * d + j] - px[i] * px[j] / denom) / forget;
                p[i * d + j] = v;
                p[j * d + i] = v;
            }
        }
        return prior;
    }

    static double dot(double[] w, double[] x) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += w[i] * x[i];
        return s;
    }
}
