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
 * @param criterion    {@code loss}: judged on the squared error of its vote-time predictions;
 *                     {@code pnl}: on the committee P&amp;L of its vote-time weights
 * @param minLag       the smallest Newey–West lag of the test; the race raises it to the overlap it sees
 */
public record PromotionPolicy(String mode, int minTrades, double significance, long cooldown, boolean allowDrift,
                              String criterion, int minLag) {
    public static final String MANUAL = "manual";
    public static final String AUTO = "auto";
    public static final List<String> MODES = List.of(MANUAL, AUTO);
    public static final String LOSS = "loss";
    public static final String PNL = "pnl";
    public static final List<String> CRITERIA = List.of(LOSS, PNL);

    public PromotionPolicy {
        if (!MODES.contains(mode)) throw new IllegalArgumentException("mode must be manual or auto, was " + mode);
        if (minTrades < 2) throw new IllegalArgumentException("minTrades must be at least 2, was " + minTrades);
        if (!(significance > 0 && significance < 1)) {
            throw new IllegalArgumentException("significance must be in (0, 1), was " + significance);
        }
        if (cooldown < 0) throw new IllegalArgumentException("cooldown must be at least 0, was " + cooldown);
        if (!CRITERIA.contains(criterion)) throw new IllegalArgumentException("criterion must be loss or pnl, was " + criterion);
        if (minLag < 0) throw new IllegalArgumentException("minLag must be at least 0, was " + minLag);
    }

    /** Judged on loss, the Newey–West lag no smaller than the overlap the race sees. */
    public PromotionPolicy(String mode, int minTrades, double significance, long cooldown, boolean allowDrift) {
        this(mode, minTrades, significance, cooldown, allowDrift, LOSS, 0);
    }

    public boolean auto() {
        return AUTO.equals(mode);
    }

    public boolean onPnl() {
        return PNL.equals(criterion);
    }
}
