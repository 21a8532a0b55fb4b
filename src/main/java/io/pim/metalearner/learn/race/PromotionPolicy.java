package io.pim.metalearner.learn.race;

import java.util.List;

/**
 * What a model does when a shadow candidate beats it ({@link ShadowRace#judge}).
 *
 * @param mode         {@code manual}: raise {@code candidate-better} and leave the promotion to ops;
 *                     {@code auto}: also promote the best such candidate
 * @param minTrades    paired trades a candidate needs before it can be judged better
 * @param significance the one-sided Diebold–Mariano p-value below which it is better
 * @param cooldown     trades after an automatic promotion before the next one
 * @param allowDrift   promote even when the window holds a drift alert of the live model
 */
public record PromotionPolicy(String mode, int minTrades, double significance, long cooldown, boolean allowDrift) {
    public static final String MANUAL = "manual";
    public static final String AUTO = "auto";
    public static final List<String> MODES = List.of(MANUAL, AUTO);

    public PromotionPolicy {
        if (!MODES.contains(mode)) throw new IllegalArgumentException("mode must be manual or auto, was " + mode);
        if (minTrades < 2) throw new IllegalArgumentException("minTrades must be at least 2, was " + minTrades);
        if (!(significance > 0 && significance < 1)) {
            throw new IllegalArgumentException("significance must be in (0, 1), was " + significance);
        }
        if (cooldown < 0) throw new IllegalArgumentException("cooldown must be at least 0, was " + cooldown);
    }

    public boolean auto() {
        return AUTO.equals(mode);
    }
}
