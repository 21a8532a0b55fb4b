package io.pim.metalearner.learn.score;

/**
 * How well predicted returns fit realized ones, over the first {@code n} entries of two arrays.
 * The rolling windows and the {@code learn} summary share these, so their figures mean the same.
 */
public final class Fit {
    private Fit() {
    }

    /** Mean squared error; NaN when n = 0. */
    public static double mse(double[] predicted, double[] actual, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double e = predicted[i] - actual[i];
            sum += e * e;
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * Coefficient of determination of the predictions, 1 − SS_res/SS_tot (sklearn's r2_score): 0 is
     * no better than always predicting the window's mean, negative is worse. Null when it is
     * undefined: fewer than two points or realized returns without variance.
     */
    public static Double r2(double[] predicted, double[] actual, int n) {
        if (n < 2) return null;
        double mean = 0;
        for (int i = 0; i < n; i++) mean += actual[i];
        mean /= n;
        double ssRes = 0, ssTot = 0;
        for (int i = 0; i < n; i++) {
            double e = actual[i] - predicted[i];
            double d = actual[i] - mean;
            ssRes += e * e;
            ssTot += d * d;
        }
        return ssTot == 0 ? null : 1 - ssRes / ssTot;
    }

    /** Share of points where the prediction has the realized return's sign; NaN when n = 0. */
    public static double directionAccuracy(double[] predicted, double[] actual, int n) {
        int hits = 0;
        for (int i = 0; i < n; i++) if (Math.signum(predicted[i]) == Math.signum(actual[i])) hits++;
        return n == 0 ? Double.NaN : (double) hits / n;
    }
}
