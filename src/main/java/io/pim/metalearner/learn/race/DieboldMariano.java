package io.pim.metalearner.learn.race;

/**
 * The Diebold–Mariano test of equal predictive accuracy on a differential {@code d_t} of the same
 * trades (e.g. {@code e_live,t² − e_candidate,t²}, or the candidate's committee P&amp;L minus the live
 * model's): {@code DM = d̄ / √(σ̂² / n)}, asymptotically standard normal. σ̂² is the Newey–West
 * long-run variance with Bartlett weights at lag L,
 * {@code γ̂₀ + 2 Σ_{k=1..L} (1 − k/(L+1)) γ̂ₖ} with {@code γ̂ₖ = (1/n) Σ_{t≥k} (d_t − d̄)(d_{t−k} − d̄)}:
 * outcomes that overlap in time (holds still open when another trade is decided) are correlated,
 * and γ̂₀ alone would understate the variance. Bartlett weights keep σ̂² non-negative; L = 0 is the
 * one-step test. A positive statistic means the candidate is better; {@code pValue} is one-sided,
 * {@code P(Z ≥ DM)}: how likely a differential this large is if the two were equally good.
 *
 * @param trades    paired trades the differential was taken over
 * @param meanDiff  d̄: the candidate's mean advantage
 * @param statistic DM; NaN when undefined (fewer than 2 trades, or a differential with no variance)
 * @param pValue    one-sided p-value; 1 when the statistic is undefined
 * @param lag       the Newey–West lag L the variance was taken at (at most {@code trades − 1})
 */
public record DieboldMariano(int trades, double meanDiff, double statistic, double pValue, int lag) {

    public DieboldMariano(int trades, double meanDiff, double statistic, double pValue) {
        this(trades, meanDiff, statistic, pValue, 0);
    }

    /** The one-step test (lag 0) on {@code diff[from..from+n)}. */
    public static DieboldMariano of(double[] diff, int from, int n) {
        return of(diff, from, n, 0);
    }

    /** The test on {@code diff[from..from+n)} with the Newey–West variance at {@code lag} (capped at n − 1). */
    public static DieboldMariano of(double[] diff, int from, int n, int lag) {
        if (lag < 0) throw new IllegalArgumentException("lag must be at least 0, was " + lag);
        if (n < 2) return new DieboldMariano(n, n == 1 ? diff[from] : Double.NaN, Double.NaN, 1, 0);
        int l = Math.min(lag, n - 1);
        double sum = 0;
        for (int i = from; i < from + n; i++) sum += diff[i];
        double mean = sum / n;
        double variance = autocovariance(diff, from, n, mean, 0);
        for (int k = 1; k <= l; k++) variance += 2 * (1 - k / (l + 1.0)) * autocovariance(diff, from, n, mean, k);
        if (!(variance > 0)) return new DieboldMariano(n, mean, Double.NaN, 1, l);
        double statistic = mean / Math.sqrt(variance / n);
        return new DieboldMariano(n, mean, statistic, upperTail(statistic), l);
    }

    public static DieboldMariano of(double[] diff) {
        return of(diff, 0, diff.length);
    }

    /** γ̂ₖ of the slice: (1/n) Σ_{t=k}^{n−1} (d_t − d̄)(d_{t−k} − d̄). */
    private static double autocovariance(double[] diff, int from, int n, double mean, int k) {
        double s = 0;
        for (int t = from + k; t < from + n; t++) s += (diff[t] - mean) * (diff[t - k] - mean);
        return s / n;
    }

    /** True when the candidate is better at this level: a positive statistic with p below it. */
    public boolean candidateBetter(double significance) {
        return statistic > 0 && pValue < significance;
    }

    /** P(Z ≥ z) for a standard normal Z. */
    static double upperTail(double z) {
        return 0.5 * erfc(z / Math.sqrt(2));
    }

    /**
     * The complementary error function by its Chebyshev fit (Numerical Recipes' {@code erfcc}),
     * fractional error below 1.2e-7 everywhere: ample for a p-value compared with a level.
     */
    static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
