package io.pim.metalearner.learn.predict;

/**
 * One recursive-least-squares step with forgetting factor λ, shared by the ridge predictor and the
 * linear weight rule: k = P·x / (λ + xᵀ·P·x); w ← w + k·(y − wᵀ·x); P ← (P − k·(P·x)ᵀ) / λ.
 * P stays symmetric by construction: only its upper triangle is computed and mirrored, so rounding
 * cannot make it drift asymmetric over millions of steps.
 * <p>
 * <b>Bounded forgetting.</b> With λ &lt; 1, dividing by λ inflates P in every direction the
 * inputs do not excite, without bound ("covariance windup"): a direction that is then excited
 * gets a huge gain and the coefficients jump. The step therefore forgets only while forgetting
 * keeps tr P within {@code maxTrace}; a step whose division by λ would lift the trace above it
 * is an ordinary least-squares step (λ = 1), which never raises the trace. This is the trace
 * bound on P, the standard guard against estimator windup (Åström &amp; Wittenmark, <i>Adaptive
 * Control</i>, 2nd ed., 1995, on estimator windup with exponential forgetting). Callers pass the
 * prior's trace, so P is never less certain than the prior: well-excited inputs keep P far below
 * it and every step is the plain one, bit for bit; with λ = 1 the bound can never bind.
 */
public final class Rls {
    private Rls() {
    }

    /**
     * @param w        coefficients, updated in place
     * @param p        d×d row-major inverse information matrix, updated in place
     * @param px       scratch of length d
     * @param maxTrace forgetting is skipped in a step where it would lift tr P above this
     * @return the prior error y − wᵀ·x (before the update)
     */
    public static double update(double[] w, double[] p, double[] px, double[] x, double y, double forget, double maxTrace) {
        int d = w.length;
        double xpx = 0, prior = y;
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) s += p[i * d + j] * x[j];
            px[i] = s;
            xpx += x[i] * s;
            prior -= w[i] * x[i];
        }
        double lambda = forget;
        if (forget < 1) {
            double denom = forget + xpx, trace = 0;
            for (int i = 0; i < d; i++) trace += p[i * d + i] - px[i] * px[i] / denom;
            if (trace / forget > maxTrace) lambda = 1;
        }
        double denom = lambda + xpx;
        for (int i = 0; i < d; i++) w[i] += px[i] / denom * prior;
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                double v = (p[i * d + j] - px[i] * px[j] / denom) / lambda;
                p[i * d + j] = v;
                p[j * d + i] = v;
            }
        }
        return prior;
    }

    /** tr P of a d×d row-major matrix. */
    static double trace(double[] p, int d) {
        double t = 0;
        for (int i = 0; i < d; i++) t += p[i * d + i];
        return t;
    }

    static double dot(double[] w, double[] x) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += w[i] * x[i];
        return s;
    }
}
