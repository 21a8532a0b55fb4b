package io.pim.metalearner.learn.regime;

import io.pim.metalearner.learn.alert.PageHinkley;

import java.nio.ByteBuffer;

/**
 * A learner's regime response at work ({@link RegimeResponse}): its own copy of the drift alert's
 * detector, fed the same prequential squared error, with the alert's episode rule (a detection
 * while no episode is open starts one; it ends after {@code clearSteps} steps without detection),
 * and the step up to which the learning rate is boosted. Part of the learner state, so a restart
 * or a replay of the same trades responds at the same steps.
 */
public final class Regime {
    public final RegimeResponse response;
    final PageHinkley detector;
    /** Whether a drift episode is open (the alert's {@code loss-drift} would be raised). */
    boolean episode;
    long stepsSinceDrift;
    /** Training steps up to and including this one are boosted. */
    long boostedUntil;
    /** How many responses were triggered, and the step of the last one (0 if none). */
    public long responses;
    public long lastResponseStep;

    public Regime(RegimeResponse response) {
        this.response = response;
        RegimeResponse.Drift d = response.drift();
        this.detector = new PageHinkley(d.delta(), d.threshold(), d.alpha(), d.minInstances());
    }

    /** The learning-rate factor of training step {@code step} (1 for the first trade). */
    public double learningRateScale(long step) {
        return step <= boostedUntil ? response.boostFactor() : 1;
    }

    /**
     * Feeds the prequential squared error of step {@code step} (already trained on); true when it
     * opens a drift episode, i.e. when the response is due now.
     */
    public boolean observe(long step, double squaredError) {
        if (!Double.isFinite(squaredError)) return false; // not a trend, as for the alert
        if (detector.update(squaredError)) {
            stepsSinceDrift = 0;
            if (episode) return false;
            episode = true;
            responses++;
          lastResponseStep = step;
            boostedUntil = step + response.boostSteps();
            return true;
        }
        if (episode && ++stepsSinceDrift >= response.drift().clearSteps()) episode = false;
        return false;
    }

    public static final int ENCODED_SIZE = 1 + 8 + 4 + 8 + 8 + 8 + 4 + 4 + PageHinkley.ENCODED_SIZE + 1 + 8 + 8 + 8 + 8;

    /** The response, then the detector and the counters: {@link LearnerCodec}'s version 4 header. */
    public void encode(ByteBuffer out) {
        RegimeResponse.Drift d = response.drift();
        out.put((byte) (response.resetMoments() ? 1 : 0)).putDouble(response.boostFactor()).putInt(response.boostSteps());
        out.putDouble(d.delta()).putDouble(d.threshold()).putDouble(d.alpha()).putInt(d.minInstances()).putInt(d.clearSteps());
        detector.encode(out);
        out.put((byte) (episode ? 1 : 0)).putLong(stepsSinceDrift).putLong(boostedUntil).putLong(responses)
                .putLong(lastResponseStep);
    }

    public static RegimeResponse decodeResponse(ByteBuffer in) {
        boolean reset = in.get() != 0;
        double factor = in.getDouble();
        int steps = in.getInt();
        var drift = new RegimeResponse.Drift(in.getDouble(), in.getDouble(), in.getDouble(), in.getInt(), in.getInt());
        return new RegimeResponse(reset, factor, steps, drift);
    }

    /** Reads what follows the response in {@link #encode} into this (fresh) regime. */
    public void decodeState(ByteBuffer in) {
        detector.decode(in);
        episode = in.get() != 0;
        stepsSinceDrift = in.getLong();
        boostedUntil = in.getLong();
      responses = in.getLong();
      lastResponseStep = in.getLong();
    }
}
