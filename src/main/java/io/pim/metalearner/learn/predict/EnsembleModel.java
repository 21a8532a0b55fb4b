package io.pim.metalearner.learn.predict;

import io.pim.metalearner.learn.net.Rng;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import java.nio.ByteBuffer;

/**
 * Several networks of the same shape, each from its own seed and with its own dropout stream,
 * trained on every trade; the prediction is their mean. Averaging cancels much of each member's
 * noise from initialisation and dropout, at a cost linear in the members.
 */
public final class EnsembleModel implements Predictor {
    private final NetModel[] members;

    EnsembleModel(ModelSpec spec, int inputs, long seed) {
        members = new NetModel[spec.members()];
        for (int k = 0; k < members.length; k++) members[k] = new NetModel(spec, inputs, new Rng(memberSeed(seed, k)));
    }

    /** Mixed rather than seed + k: SplitMix64 streams from neighbouring seeds are shifted copies of each other. */
    public static long memberSeed(long seed, int k) {
        return new Rng(seed ^ (0x5EED_0000L + k)).nextLong();
    }

    @Override
    public double predict(double[] x) {
        double s = 0;
        for (NetModel m : members) s += m.predict(x);
        return s / members.length;
    }

    @Override
    public double train(double[] x, double target) {
        double loss = 0;
        int prepared = 0;
        try {
            for (NetModel m : members) {
                loss += m.prepare(x, target);
                prepared++;
            }
        } catch (InvalidTradeException e) {
            for (int k = 0; k < prepared; k++) members[k].abandon();
            throw e;
        }
        for (NetModel m : members) m.commit();
        return loss / members.length;
    }

    @Override
    public void resetMoments() {
        for (NetModel m : members) m.resetMoments();
    }

    @Override
    public void learningRateScale(double scale) {
        for (NetModel m : members) m.learningRateScale(scale);
    }

    @Override
    public boolean finite() {
        for (NetModel m : members) if (!m.finite()) return false;
        return true;
    }

    @Override
    public int stateSize() {
        int size = 0;
        for (NetModel m : members) size += m.stateSize();
        return size;
    }

    @Override
    public void encode(ByteBuffer out) {
        for (NetModel m : members) m.encode(out);
    }

    @Override
    public void decode(ByteBuffer in) {
        for (NetModel m : members) m.decode(in);
    }
}
