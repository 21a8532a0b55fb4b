package io.pim.metalearner.learn.predict;

import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.trade.Rejection;
import java.nio.ByteBuffer;

/**
 * Online ridge regression by recursive least squares ({@link Rls}) on the inputs plus a bias: the
 * exact ridge solution after every trade (prior precision δ), with forgetting λ for a desk whose
 * agents change. No learning rate and no random state; about d² operations a trade (d = 29 for nine
 * agents with side-relative inputs).
 */
final class RidgeModel implements Predictor {
    private final double forget;
    /** tr P of the prior (d/δ): forgetting never makes P less certain than the prior ({@link Rls}). */
    private final double maxTrace;
    private final double[] w, p, px, x1;
    private final double[] wBackup, pBackup;

    RidgeModel(ModelSpec spec, int inputs) {
        int d = inputs + 1;
        forget = spec.forget();
        maxTrace = d / spec.delta();
        w = new double[d];
        p = new double[d * d];
        px = new double[d];
        x1 = new double[d];
        wBackup = new double[d];
        pBackup = new double[d * d];
        for (int i = 0; i < d; i++) p[i * d + i] = 1.0 / spec.delta();
    }

    @Override
    public double predict(double[] x) {
        return Rls.dot(w, withBias(x));
    }

    @Override
    public double train(double[] x, double target) {
        double[] in = withBias(x);
        System.arraycopy(w, 0, wBackup, 0, w.length);
        System.arraycopy(p, 0, pBackup, 0, p.length);
        double error = Rls.update(w, p, px, in, target, forget, maxTrace);
        if (!Double.isFinite(error) || !allFinite(w)) {
            System.arraycopy(wBackup, 0, w, 0, w.length);
            System.arraycopy(pBackup, 0, p, 0, p.length);
            throw new InvalidTradeException(Rejection.NON_FINITE_VALUE, "the ridge update is not finite");
        }
        return error * error;
    }

    private double[] withBias(double[] x) {
        System.arraycopy(x, 0, x1, 0, x.length);
        x1[x.length] = 1.0;
        return x1;
    }

    @Override
    public boolean finite() {
        return allFinite(w) && allFinite(p);
    }

    static boolean allFinite(double[] a) {
        for (double v : a) if (!Double.isFinite(v)) return false;
        return true;
    }

    @Override
    public int stateSize() {
        return 8 * (w.length + p.length);
    }

    @Override
    public void encode(ByteBuffer out) {
        for (double v : w) out.putDouble(v);
        for (double v : p) out.putDouble(v);
    }

    @Override
    public void decode(ByteBuffer in) {
        for (int i = 0; i < w.length; i++) w[i] = in.getDouble();
        for (int i = 0; i < p.length; i++) p[i] = in.getDouble();
    }
}
