package io.pim.metalearner.learn.score;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What an evaluation report shows, collected step by step from a learner's run: each trade's
 * prequential prediction and realized return, the committee's cumulative P&L with learned and with
 * uniform weights, the rolling loss and R², and the agents' weights. Pure arithmetic, no I/O.
 */
public final class Evaluation {
    private final List<String> roster;
    private int n;
    private double[] predicted = new double[1024], actual = new double[1024];
    private double[] pnlLearned = new double[1024], pnlUniform = new double[1024];
    private double[] rollingLoss = new double[1024], rollingR2 = new double[1024];
    private double[][] weights;

    /** The taken trades' P&L when only trades predicted above {@code threshold} are taken. */
    public record Gate(double threshold, int taken, double pnl, double[] cumulative) {
    }

    /** One calibration bin: trades with similar predictions, and what they really returned on average. */
    public record Bin(int count, double meanPredicted, double meanActual) {
    }

    public Evaluation(List<String> roster) {
        this.roster = List.copyOf(roster);
        this.weights = new double[roster.size()][1024];
    }

    /** Records one step, with the learner's metrics as they are after it. */
    public void add(StepResult step, Metrics after) {
        if (n == predicted.length) grow();
        predicted[n] = step.predictedReturn();
        actual[n] = step.actualReturn();
        pnlLearned[n] = after.committeePnlLearned();
        pnlUniform[n] = after.committeePnlUniform();
        rollingLoss[n] = step.rollingLoss();
        rollingR2[n] = step.rollingR2() == null ? Double.NaN : step.rollingR2();
        for (int a = 0; a < roster.size(); a++) weights[a][n] = step.agentWeights().getOrDefault(roster.get(a), Double.NaN);
        n++;
    }

    private void grow() {
        int size = 2 * n;
        predicted = Arrays.copyOf(predicted, size);
        actual = Arrays.copyOf(actual, size);
        pnlLearned = Arrays.copyOf(pnlLearned, size);
        pnlUniform = Arrays.copyOf(pnlUniform, size);
        rollingLoss = Arrays.copyOf(rollingLoss, size);
        rollingR2 = Arrays.copyOf(rollingR2, size);
        for (int a = 0; a < weights.length; a++) weights[a] = Arrays.copyOf(weights[a], size);
    }

    public int size() {
        return n;
    }

    public List<String> roster() {
        return roster;
    }

    public double[] predicted() {
        return Arrays.copyOf(predicted, n);
    }

    public double[] actual() {
        return Arrays.copyOf(actual, n);
    }

    public double[] pnlLearned() {
        return Arrays.copyOf(pnlLearned, n);
    }

    public double[] pnlUniform() {
        return Arrays.copyOf(pnlUniform, n);
    }

    public double[] rollingLoss() {
        return Arrays.copyOf(rollingLoss, n);
    }

    /** NaN where the window's R² is undefined. */
    public double[] rollingR2() {
        return Arrays.copyOf(rollingR2, n);
    }

    public double[] weights(int agent) {
        return Arrays.copyOf(weights[agent], n);
    }

    /** R² of the predictions of trades {@code from}.. (0-based), {@link Fit#r2}; null when undefined. */
    public Double r2(int from) {
        int k = Math.max(0, n - from);
        return Fit.r2(Arrays.copyOfRange(predicted, n - k, n), Arrays.copyOfRange(actual, n - k, n), k);
    }

    /** Share of trades {@code from}.. whose predicted sign was the realized one; NaN without trades. */
    public double directionAccuracy(int from) {
        int k = Math.max(0, n - from);
        return Fit.directionAccuracy(Arrays.copyOfRange(predicted, n - k, n), Arrays.copyOfRange(actual, n - k, n), k);
    }

    /**
     * Gated P&L: the sum of the realized returns of the trades whose prediction (made before the
     * trade was learned from) was above the threshold; {@code Double.NEGATIVE_INFINITY} takes all.
     */
    public Gate gate(double threshold) {
        double[] cumulative = new double[n];
        double sum = 0;
        int taken = 0;
        for (int i = 0; i < n; i++) {
            if (predicted[i] > threshold) {
                sum += actual[i];
                taken++;
            }
            cumulative[i] = sum;
        }
        return new Gate(threshold, taken, sum, cumulative);
    }

    /**
     * Calibration: the trades sorted by prediction and cut into {@code bins} groups of (nearly)
     * equal size, each with its mean prediction and mean realized return. A model that predicts
     * shows realized means rising with the predicted ones.
     */
    public List<Bin> calibration(int bins) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(predicted[a], predicted[b]));
        List<Bin> out = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            int from = (int) ((long) n * b / bins), to = (int) ((long) n * (b + 1) / bins);
            if (to == from) continue;
            double p = 0, a = 0;
            for (int i = from; i < to; i++) {
                p += predicted[order[i]];
                a += actual[order[i]];
            }
            out.add(new Bin(to - from, p / (to - from), a / (to - from)));
        }
        return out;
    }
}
