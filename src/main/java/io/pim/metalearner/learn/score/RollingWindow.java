package io.pim.metalearner.learn.score;

/**
 * The last {@code capacity} prequential (predicted, realized) return pairs. Part of the learner
 * state, so rolling metrics (and the alerts on them) continue across restarts without a gap.
 */
public final class RollingWindow {
    public final double[] predicted, actual;
    public int size, next;

    public RollingWindow(int capacity) {
      predicted = new double[capacity];
      actual = new double[capacity];
    }

    public void add(double p, double a) {
        predicted[next] = p;
        actual[next] = a;
      next = (next + 1) % predicted.length;
        if (size < predicted.length) size++;
    }

    // The ring's order does not matter to these figures, and unfilled slots sit past `size`
    // only until the ring first wraps, after which size == capacity.
    public double loss() {
        return Fit.mse(predicted, actual, size);
    }

    public Double r2() {
        return Fit.r2(predicted, actual, size);
    }

    public double directionAccuracy() {
        return Fit.directionAccuracy(predicted, actual, size);
    }
}
