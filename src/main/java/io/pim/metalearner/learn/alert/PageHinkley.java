package io.pim.metalearner.learn.alert;

import java.nio.ByteBuffer;

/**
 * Page-Hinkley change detection for an increase in a stream's mean, as River's
 * {@code drift.PageHinkley(mode="up")}: a CUSUM of the deviations from the running mean, minus a
 * tolerated drift {@code delta}, with forgetting factor {@code alpha}; a change is detected when
 * the sum rises more than {@code threshold} above its minimum, after {@code minInstances} values.
 * Like River, the detector starts afresh on the value after a detection, so it learns the new level.
 */
public final class PageHinkley {

    private final double delta;
    private final double threshold;
    private final double alpha;
    private final int minInstances;

    private long count;
    private double mean;
    private double sumIncrease;
    private double minIncrease;
    private boolean driftDetected;

    public PageHinkley(double delta, double threshold, double alpha, int minInstances) {
        this.delta = delta;
        this.threshold = threshold;
        this.alpha = alpha;
        this.minInstances = minInstances;
        reset();
    }

    /** Feeds one value; true when this value completes a detected change. */
    public boolean update(double x) {
        if (driftDetected) reset();
        count++;
        mean += (x - mean) / count;
        sumIncrease = alpha * sumIncrease + (x - mean) - delta;
        minIncrease = Math.min(minIncrease, sumIncrease);
        if (count >= minInstances) driftDetected = statistic() > threshold;
        return driftDetected;
    }

    /** How far the cumulative sum stands above its minimum: the value compared with the threshold. */
    public double statistic() {
        return count == 0 ? 0 : sumIncrease - minIncrease;
    }

    public double threshold() {
        return threshold;
    }

    private void reset() {
        count = 0;
        mean = 0;
        sumIncrease = 0;
        minIncrease = Double.MAX_VALUE;
        driftDetected = false;
    }

    public static final int ENCODED_SIZE = 8 + 8 + 8 + 8 + 1;

    public void encode(ByteBuffer out) {
        out.putLong(count).putDouble(mean).putDouble(sumIncrease).putDouble(minIncrease)
                .put((byte) (driftDetected ? 1 : 0));
    }

    public void decode(ByteBuffer in) {
        count = in.getLong();
        mean = in.getDouble();
        sumIncrease = in.getDouble();
        minIncrease = in.getDouble();
        driftDetected = in.get() != 0;
    }
}
