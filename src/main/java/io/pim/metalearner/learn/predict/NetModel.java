package io.pim.metalearner.learn.predict;

import io.pim.metalearner.learn.net.Network;
import io.pim.metalearner.learn.net.Rng;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.trade.Rejection;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The original network's recipe with its hyperparameters free: ReLU hidden layers of any sizes
 * with inverted dropout, a tanh output scaled to ±{@link Network#OUTPUT_SCALE}, MSE, the gradient
 * clipped by its global norm at {@link Network#CLIP_NORM}, Adam. In double precision and its own
 * layout (per layer W[out][in] row-major, then the biases): a variant, not a copy of the seed's maths.
 * <p>Mini-batches: each trade's gradient is taken at the current parameters and added up; every
 * {@code batch}-th trade one Adam step is taken on their mean. Until then predictions use the
 * parameters of the last step. The pending sum is part of the state, so a restart mid-batch
 * continues exactly.
 */
final class NetModel implements Predictor {
    private final int[] sizes; // inputs, hidden..., 1
    private final int[] wOff, bOff;
    private final double lr, keep;
    private final int batch;
    private final Rng rng;
    private final double[] p, m, v, g, acc;
    private long adamStep;
    private int pending;
    private double lrScale = 1;

    private final double[][] z, a, masks, delta;
    private long rngBefore;

    NetModel(ModelSpec spec, int inputs, Rng rng) {
        List<Integer> hidden = spec.hidden();
        sizes = new int[hidden.size() + 2];
        sizes[0] = inputs;
        for (int i = 0; i < hidden.size(); i++) sizes[i + 1] = hidden.get(i);
        sizes[sizes.length - 1] = 1;
        int layers = sizes.length - 1;
        wOff = new int[layers];
        bOff = new int[layers];
        int n = 0;
        for (int l = 0; l < layers; l++) {
            wOff[l] = n;
            n += sizes[l] * sizes[l + 1];
            bOff[l] = n;
            n += sizes[l + 1];
        }
        lr = spec.lr();
        keep = 1 - spec.dropout();
        batch = spec.batch();
        this.rng = rng;
        p = new double[n];
        m = new double[n];
        v = new double[n];
        g = new double[n];
        acc = new double[batch > 1 ? n : 0];
        z = new double[layers][];
        a = new double[layers + 1][];
        masks = new double[layers][];
        delta = new double[layers][];
        for (int l = 0; l < layers; l++) {
            z[l] = new double[sizes[l + 1]];
            a[l + 1] = new double[sizes[l + 1]];
            masks[l] = new double[sizes[l + 1]];
            delta[l] = new double[sizes[l + 1]];
        }
        // PyTorch's nn.Linear default: uniform in ±1/√fan_in, weights and biases
        for (int l = 0; l < layers; l++) {
            double bound = 1 / Math.sqrt(sizes[l]);
            for (int i = wOff[l]; i < bOff[l] + sizes[l + 1]; i++) p[i] = (2 * rng.nextDouble() - 1) * bound;
        }
    }

    @Override
    public double predict(double[] x) {
        return Network.OUTPUT_SCALE * Math.tanh(forward(x, false));
    }

    @Override
    public double train(double[] x, double target) {
        double loss = prepare(x, target);
        commit();
        return loss;
    }

    /** This trade's gradient into {@code g}; nothing but the random state changes until {@link #commit}. */
    double prepare(double[] x, double target) {
        rngBefore = rng.state();
        if (keep < 1) {
            for (int l = 0; l < masks.length - 1; l++) {
                double[] mask = masks[l];
                for (int j = 0; j < mask.length; j++) mask[j] = rng.nextDouble() < keep ? 1 / keep : 0;
            }
        }
        double t = Math.tanh(forward(x, keep < 1));
        double err = Network.OUTPUT_SCALE * t - target;
        backward(2 * err * Network.OUTPUT_SCALE * (1 - t * t));
        double loss = err * err;
        double norm = norm(g);
        if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
            abandon();
            throw new InvalidTradeException(Rejection.NON_FINITE_VALUE,
                    "the step's loss is " + loss + " and its gradient norm " + norm);
        }
        return loss;
    }

    /** Undoes {@link #prepare}: the masks are drawn again next time. */
    void abandon() {
        rng.restore(rngBefore);
    }

    void commit() {
        double[] step = g;
        if (batch > 1) {
            for (int i = 0; i < g.length; i++) acc[i] += g[i];
            if (++pending < batch) return;
            for (int i = 0; i < acc.length; i++) acc[i] /= batch;
            step = acc;
            pending = 0;
        }
        double norm = norm(step);
        if (norm > Network.CLIP_NORM) {
            double c = Network.CLIP_NORM / norm;
            for (int i = 0; i < step.length; i++) step[i] *= c;
        }
        adamStep++;
        double b1 = Network.BETA1, b2 = Network.BETA2;
        double alpha = lr * lrScale * Math.sqrt(1 - Math.pow(b2, adamStep)) / (1 - Math.pow(b1, adamStep));
        for (int i = 0; i < p.length; i++) {
            double gi = step[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            p[i] -= alpha * m[i] / (Math.sqrt(v[i]) + Network.EPSILON);
        }
        if (batch > 1) java.util.Arrays.fill(acc, 0);
    }

    /** The pending mini-batch is kept: its gradients are the new regime's too. */
    @Override
    public void resetMoments() {
        java.util.Arrays.fill(m, 0);
        java.util.Arrays.fill(v, 0);
        adamStep = 0;
    }

    @Override
    public void learningRateScale(double scale) {
        lrScale = scale;
    }

    private double forward(double[] x, boolean dropout) {
        a[0] = x;
        int layers = sizes.length - 1;
        for (int l = 0; l < layers; l++) {
            int nIn = sizes[l], nOut = sizes[l + 1];
            double[] in = a[l];
            for (int j = 0; j < nOut; j++) {
                int row = wOff[l] + j * nIn;
                double s = p[bOff[l] + j];
                for (int i = 0; i < nIn; i++) s += p[row + i] * in[i];
                z[l][j] = s;
                if (l < layers - 1) {
                    double r = s > 0 ? s : 0;
                    a[l + 1][j] = dropout ? r * masks[l][j] : r;
                }
            }
        }
        return z[layers - 1][0];
    }

    private void backward(double dOut) {
        int layers = sizes.length - 1;
        delta[layers - 1][0] = dOut;
        for (int l = layers - 1; l >= 0; l--) {
            int nIn = sizes[l], nOut = sizes[l + 1];
            double[] d = delta[l], in = a[l];
            for (int j = 0; j < nOut; j++) {
                int row = wOff[l] + j * nIn;
                for (int i = 0; i < nIn; i++) g[row + i] = d[j] * in[i];
                g[bOff[l] + j] = d[j];
            }
            if (l == 0) break;
            double[] prev = delta[l - 1], zPrev = z[l - 1];
            boolean dropped = keep < 1;
            for (int i = 0; i < nIn; i++) {
                double s = 0;
                for (int j = 0; j < nOut; j++) s += p[wOff[l] + j * nIn + i] * d[j];
                prev[i] = zPrev[i] > 0 ? (dropped ? s * masks[l - 1][i] : s) : 0;
            }
        }
    }

    private static double norm(double[] x) {
        double s = 0;
        for (double xi : x) s += xi * xi;
        return Math.sqrt(s);
    }

    @Override
    public int stateSize() {
        return 8 * (3 * p.length + acc.length) + 8 + 4 + 8;
    }

    @Override
    public void encode(ByteBuffer out) {
        for (double x : p) out.putDouble(x);
        for (double x : m) out.putDouble(x);
        for (double x : v) out.putDouble(x);
        for (double x : acc) out.putDouble(x);
        out.putLong(adamStep).putInt(pending).putLong(rng.state());
    }

    @Override
    public boolean finite() {
        return RidgeModel.allFinite(p);
    }

    @Override
    public void decode(ByteBuffer in) {
        for (int i = 0; i < p.length; i++) p[i] = in.getDouble();
        for (int i = 0; i < m.length; i++) m[i] = in.getDouble();
        for (int i = 0; i < v.length; i++) v[i] = in.getDouble();
        for (int i = 0; i < acc.length; i++) acc[i] = in.getDouble();
        adamStep = in.getLong();
        pending = in.getInt();
        rng.restore(in.getLong());
    }
}
