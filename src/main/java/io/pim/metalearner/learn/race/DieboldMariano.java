package io.pim.metalearner.learn.race;

/**
 * The Diebold–Mariano test of equal predictive accuracy for one-step-ahead forecasts, on the loss
 * differential {@code d_t = e_live,t² − e_candidate,t²} (squared errors of the two predictions of
 * the same trade): {@code DM = d̄ / √(γ̂₀ / n)} with {@code γ̂₀ = (1/n) Σ (d_t − d̄)²}, asymptotically
 * standard normal. For a one-step horizon the long-run variance is the lag-0 autocovariance alone
 * (no lag terms). A positive statistic means the candidate's errors are smaller; {@code pValue} is
 * one-sided, {@code P(Z ≥ DM)}: how likely a differential this large is if the two were equally
 * accurate.
 *
 * @param trades    paired trades the differential was taken over
 * @param meanDiff  d̄: how much smaller the candidate's squared error is on average
 * @param statistic DM; NaN when undefined (fewer than 2 trades, or a differential with no variance)
 * @param pValue    one-sided p-value; 1 when the statistic is undefined
 */
public record DieboldMariano(int trades, double meanDiff, double statistic, double pValue) {

    /** The test on {@code diff[from..from+n)}. */
    public static DieboldMariano of(double[] diff, int from, int n) {
        if (n < 2) return new DieboldMariano(n, n == 1 ? diff[from] : Double.NaN, Double.NaN, 1);
        double sum = 0;
        for (int i = from; i < from + n; i++) sum += diff[i];
        double mean = sum / n;
        double ss = 0;
        for (int i = from; i < from + n; i++) ss += (diff[i] - mean) * (diff[i] - mean);
        double variance = ss / n;
        if (!(variance > 0)) return new DieboldMariano(n, mean, Double.NaN, 1);
        double statistic = mean / Math.sqrt(variance / n);
        return new DieboldMariano(n, mean, statistic, upperTail(statistic));
    }

    public static DieboldMariano of(double[] diff) {
        return of(diff, 0, diff.length);
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
