package io.pim.metalearner.offline;

import io.pim.metalearner.learn.score.Fit;
import io.pim.metalearner.learn.score.StepResult;

import java.util.Arrays;

/** Per trained trade of one learner in a {@code learn} run: step time and the prequential prediction with its realized return. */
final class RunFigures {
    long trades;
    int trained;
    long[] nanos = new long[1024];
    double[] predicted = new double[1024], actual = new double[1024];

    void add(long stepNanos, StepResult r) {
        if (trained == nanos.length) {
            nanos = Arrays.copyOf(nanos, 2 * trained);
            predicted = Arrays.copyOf(predicted, 2 * trained);
            actual = Arrays.copyOf(actual, 2 * trained);
        }
        nanos[trained] = stepNanos;
        predicted[trained] = r.predictedReturn();
        actual[trained] = r.actualReturn();
        trained++;
    }

    /** Nearest-rank percentile of the learner's step time, in µs; null without steps. */
    Double stepMicros(double q) {
        if (trained == 0) return null;
        long[] sorted = Arrays.copyOf(nanos, trained);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * trained);
        return sorted[Math.max(0, rank - 1)] / 1000.0;
    }

    /** Prequential MSE over the first or last {@code k} trained trades (fewer if the run is shorter). */
    Double loss(boolean first, int k) {
        int n = Math.min(k, trained);
        if (n == 0) return null;
        int from = first ? 0 : trained - n;
        return Fit.mse(Arrays.copyOfRange(predicted, from, from + n), Arrays.copyOfRange(actual, from, from + n), n);
    }

    Double r2(boolean first, int k) {
        int n = Math.min(k, trained);
        int from = first ? 0 : trained - n;
        return Fit.r2(Arrays.copyOfRange(predicted, from, from + n), Arrays.copyOfRange(actual, from, from + n), n);
    }
}
