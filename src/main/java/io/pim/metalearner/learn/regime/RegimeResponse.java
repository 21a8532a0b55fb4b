package io.pim.metalearner.learn.regime;

import io.pim.metalearner.learn.predict.ModelSpec;
import io.pim.metalearner.learn.alert.AlertConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a learner does when its loss drifts: the regime response. The detector is the drift alert's
 * (Page-Hinkley on the prequential squared error, {@link AlertConfig}'s {@code drift*} parameters,
 * one response per episode as one {@code loss-drift} alert per episode), but the learner keeps its
 * own copy in its state ({@link Regime}), so the response is part of what a replay reproduces.
 *
 * @param resetMoments zero the optimiser's moments and step count: Adam restarts from the current
 *                     parameters instead of averaging gradients of the old regime
 * @param boostFactor  multiply the learning rate by this for {@code boostSteps} steps (1 = no boost)
 * @param boostSteps   how many training steps after the detection are boosted
 * @param drift        the detector's parameters
 */
public record RegimeResponse(boolean resetMoments, double boostFactor, int boostSteps, Drift drift) {

    /**
     * The drift alert's detector parameters ({@link AlertConfig} says what each means).
     */
    public record Drift(double delta, double threshold, double alpha, int minInstances, int clearSteps) {
        public static Drift of(AlertConfig a) {
            return new Drift(a.driftDelta(), a.driftThreshold(), a.driftAlpha(), a.driftMinInstances(), a.driftClearSteps());
        }

        public Drift {
            // the alert config's checks, so both detectors accept the same values
            if (!(delta >= 0 && threshold > 0 && alpha > 0 && alpha <= 1 && minInstances >= 1 && clearSteps >= 1)) {
                throw new IllegalArgumentException("response: drift parameters " + this + " must have delta >= 0, threshold > 0, "
                        + "alpha in (0, 1], minInstances >= 1, clearSteps >= 1");
            }
        }
    }

    /** The names of the actions, as {@code --response} and {@code regime.response} take them. */
    public static final String RESET_MOMENTS = "reset-moments";
    public static final String BOOST = "boost";
    public static final List<String> ACTIONS = List.of(RESET_MOMENTS, BOOST);
    public static final double DEFAULT_BOOST_FACTOR = 3;
    public static final int DEFAULT_BOOST_STEPS = 200;

    /** No response: the learner is exactly as without this feature (same bytes, same fingerprints). */
    public static final RegimeResponse NONE = new RegimeResponse(false, 1, 0, Drift.of(AlertConfig.defaults()));

    public RegimeResponse {
        if (drift == null) throw new IllegalArgumentException("response: the drift detector's parameters are required");
        if (!(boostFactor > 0) || Double.isInfinite(boostFactor)) {
            throw new IllegalArgumentException("response: the boost factor must be a finite number > 0, was " + boostFactor);
        }
        if (boostSteps < 0) throw new IllegalArgumentException("response: boost steps must be at least 0, was " + boostSteps);
        if (boostSteps == 0) boostFactor = 1; // a boost that lasts no step is none: one canonical form
    }

    /**
     * The response named by {@code actions} (each {@link #RESET_MOMENTS} or {@link #BOOST}; none or
     * {@code none} is no response), boosting by {@code factor} for {@code steps} when {@code boost}
     * is among them, detecting with {@code drift}'s parameters.
     *
     * @throws IllegalArgumentException {@code response: ...} naming what is wrong
     */
    public static RegimeResponse of(List<String> actions, double factor, int steps, Drift drift) {
        boolean reset = false, boost = false;
        List<String> unknown = new ArrayList<>();
        for (String given : actions) {
            String a = given.trim().toLowerCase(Locale.ROOT);
            if (a.isEmpty() || a.equals("none")) continue;
            if (a.equals(RESET_MOMENTS)) reset = true;
            else if (a.equals(BOOST)) boost = true;
            else unknown.add(given.trim());
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("response: " + unknown + " is not among none, " + String.join(", ", ACTIONS));
        }
        if (boost && !(factor > 0 && factor != 1)) {
            throw new IllegalArgumentException("response: boost needs a factor other than 1, was " + factor);
        }
        if (boost && steps < 1) throw new IllegalArgumentException("response: boost needs at least 1 step, was " + steps);
        if (!reset && !boost) return NONE;
        return new RegimeResponse(reset, boost ? factor : 1, boost ? steps : 0, drift);
    }

    public boolean isNone() {
        return !resetMoments && boostSteps == 0;
    }

    /** The actions as {@code --response} takes them: {@code none}, {@code reset-moments}, {@code boost} or both. */
    public String actions() {
        List<String> a = new ArrayList<>();
        if (resetMoments) a.add(RESET_MOMENTS);
        if (boostSteps > 0) a.add(BOOST);
        return a.isEmpty() ? "none" : String.join(",", a);
    }

    @Override
    public String toString() {
        if (isNone()) return "none";
        return actions() + (boostSteps > 0 ? String.format(Locale.ROOT, " (x%s for %d steps)", ModelSpec.number(boostFactor), boostSteps) : "")
                + String.format(Locale.ROOT, " on drift(delta=%s,threshold=%s,alpha=%s,min=%d,clear=%d)",
                ModelSpec.number(drift.delta()), ModelSpec.number(drift.threshold()),
                ModelSpec.number(drift.alpha()), drift.minInstances(), drift.clearSteps());
    }
}
