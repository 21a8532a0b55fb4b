package io.pim.metalearner.learn.trade;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** A decision joined to its outcome: everything one training step needs. Votes keep insertion order. */
public record Trade(String decisionId, String symbol, String action,
                    double entryPrice, double exitPrice, Map<String, Vote> votes) {

    static final String ACTIONS = "BUY, LONG, SELL, SHORT, SELL_SHORT";

    /**
     * The side of the committee's action: BUY or LONG is {@code LONG}, SELL, SHORT or SELL_SHORT is
     * {@code SHORT}, in any case and trimmed; anything else is empty (the validator rejects it, as
     * {@code unknown-action}: guessing a side would train on the wrong sign of the return).
     */
    public static Optional<Direction> side(String action) {
        if (action == null) return Optional.empty();
        return switch (action.trim().toUpperCase(Locale.ROOT)) {
            case "BUY", "LONG" -> Optional.of(Direction.LONG);
            case "SELL", "SHORT", "SELL_SHORT" -> Optional.of(Direction.SHORT);
            default -> Optional.empty();
        };
    }

    /** (exit − entry) / entry: what an agent's direction is judged against. */
    public double priceMove() {
        return (exitPrice - entryPrice) / entryPrice;
    }

    /** The position's return, the training target: the price move, negated for a short action. */
    public double targetReturn() {
        return isShort() ? -priceMove() : priceMove();
    }

    /** @throws InvalidTradeException {@code unknown-action} if the action is neither side */
    public boolean isShort() {
        return side(action).orElseThrow(() -> unknownAction(action)) == Direction.SHORT;
    }

    static InvalidTradeException unknownAction(String action) {
        return new InvalidTradeException(Rejection.UNKNOWN_ACTION, "action '" + action + "' is not one of " + ACTIONS);
    }
}
