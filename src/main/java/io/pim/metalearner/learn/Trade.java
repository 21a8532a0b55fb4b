package io.pim.metalearner.learn;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** A decision joined to its outcome: everything one training step needs. Votes keep insertion order. */
public record Trade(String decisionId, String symbol, String action,
                    double entryPrice, double exitPrice, Map<String, Vote> votes) {

    private static final Set<String> SHORT_ACTIONS = Set.of("SELL", "SHORT", "SELL_SHORT");

    /** (exit − entry) / entry: what an agent's direction is judged against. */
    public double priceMove() {
        return (exitPrice - entryPrice) / entryPrice;
    }

    /** The position's return, the training target: the price move, negated for a short action. */
    public double targetReturn() {
        return isShort() ? -priceMove() : priceMove();
    }

    public boolean isShort() {
        return action != null && SHORT_ACTIONS.contains(action.trim().toUpperCase(Locale.ROOT));
    }
}
