package io.pim.metalearner.learn.rule;

import io.pim.metalearner.learn.trade.Vote;

import java.util.List;

/**
 * How one agent's committee weight moves after a trade closes. Weights start at {@link #INITIAL}
 * and stay within [{@link #MIN}, {@link #MAX}] so no agent is silenced or dominates for good.
 */
public interface WeightRule {
    double INITIAL = 1.0;
    double MIN = 0.1;
    double MAX = 2.0;

    /**
     * @param weight    the agent's weight before this trade
     * @param vote      the agent's vote on it
     * @param priceMove the raw (exit − entry) / entry, not negated for short actions: the agent's
     *                  direction is judged against the market, not against the committee's side
     * @return the new weight; a NEUTRAL vote returns {@code weight} unchanged
     */
    double update(double weight, Vote vote, double priceMove);

    String name();

    /** The per-agent rules by name. */
    List<String> NAMES = List.of("seed-ema", "hedge");

    /** The rule named {@code name}; {@code hedgeRate} is the hedge rule's learning rate. */
    static WeightRule of(String name, double hedgeRate) {
        return switch (name) {
            case "seed-ema" -> new SeedEmaRule();
            case "hedge" -> new HedgeRule(hedgeRate);
            default -> throw new IllegalArgumentException("rule: '" + name + "' is not one of "
                    + String.join(", ", NAMES));
        };
    }

    static double clip(double w) {
        return Math.max(MIN, Math.min(MAX, w));
    }
}
