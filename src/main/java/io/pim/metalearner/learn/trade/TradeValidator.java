package io.pim.metalearner.learn.trade;

import java.util.Map;

/**
 * The value checks every trade passes before training, whatever it was decoded from (JSON body,
 * Avro records): a known action, finite positive prices, confidence in [0, 1], finite position
 * sizes of at least zero, a direction.
 * <p>
 * The network computes in float, so its inputs and the target return must be finite as floats,
 * not only as doubles: a position size of 1e39 or a return of 1e39 would overflow to infinity
 * and turn every parameter into NaN at the first update.
 */
public final class TradeValidator {
    private TradeValidator() {
    }

    /** @throws InvalidTradeException with the first problem found */
    public static Trade validate(Trade trade) {
        checkDecisionId(trade.decisionId());
        checkAction(trade.action());
        checkOutcome(trade.entryPrice(), trade.exitPrice());
        checkVotes(trade.votes());
        return trade;
    }

    /**
     * The decision's half on its own (the stream sees it before its outcome): decision id, action, votes.
     *
     * @throws InvalidTradeException with the first problem found
     */
    public static void validateDecision(String decisionId, String action, Map<String, Vote> votes) {
        checkDecisionId(decisionId);
        checkAction(action);
        checkVotes(votes);
    }

    /**
     * A decision to score before it exists as a trade: its votes, and its action when given.
     *
     * @throws InvalidTradeException with the first problem found
     */
    public static void validateVotes(String action, Map<String, Vote> votes) {
        if (action != null) checkAction(action);
        checkVotes(votes);
    }

    /**
     * The outcome's half on its own: decision id, finite positive prices, a price move finite as a float.
     *
     * @throws InvalidTradeException with the first problem found
     */
    public static void validateOutcome(String decisionId, double entryPrice, double exitPrice) {
        checkDecisionId(decisionId);
        checkOutcome(entryPrice, exitPrice);
    }

    private static void checkDecisionId(String decisionId) {
        if (decisionId == null || decisionId.isBlank()) {
            throw new InvalidTradeException(Rejection.MISSING_FIELD, "decision_id is missing or blank");
        }
    }

    private static void checkAction(String action) {
        if (action == null || action.isBlank()) {
            throw new InvalidTradeException(Rejection.MISSING_FIELD, "action is missing or blank");
        }
        if (Trade.side(action).isEmpty()) throw Trade.unknownAction(action);
    }

    private static void checkOutcome(double entryPrice, double exitPrice) {
        checkPrice("entry_price", entryPrice);
        checkPrice("exit_price", exitPrice);
        // the target is this move or its negation: finite as a float alike
        double move = (exitPrice - entryPrice) / entryPrice;
        if (!finiteAsFloat(move)) {
            throw new InvalidTradeException(Rejection.NON_FINITE_VALUE, "the return (exit_price - entry_price) / entry_price is "
                    + move + ", not finite as a float");
        }
    }

    private static void checkVotes(Map<String, Vote> votes) {
        if (votes == null) throw new InvalidTradeException(Rejection.MISSING_FIELD, "agent_votes is missing");
        for (Map.Entry<String, Vote> e : votes.entrySet()) checkVote(e.getKey(), e.getValue());
    }

    private static void checkPrice(String field, double price) {
        if (!Double.isFinite(price)) {
            throw new InvalidTradeException(Rejection.NON_FINITE_PRICE, field + " is " + price);
        }
        if (price <= 0) {
            throw new InvalidTradeException(Rejection.NON_POSITIVE_PRICE, field + " is " + price + ", must be > 0");
        }
    }

    private static void checkVote(String agent, Vote vote) {
        if (vote.direction() == null) {
            throw new InvalidTradeException(Rejection.UNKNOWN_DIRECTION, agent + ": direction is missing");
        }
        if (!finiteAsFloat(vote.confidence())) {
            throw new InvalidTradeException(Rejection.NON_FINITE_VALUE, agent + ": confidence is " + vote.confidence());
        }
        if (vote.confidence() < 0 || vote.confidence() > 1) {
            throw new InvalidTradeException(Rejection.CONFIDENCE_OUT_OF_RANGE,
                    agent + ": confidence " + vote.confidence() + " is outside [0, 1]");
        }
        if (!finiteAsFloat(vote.positionSize())) {
            throw new InvalidTradeException(Rejection.NON_FINITE_VALUE,
                    agent + ": position_size is " + vote.positionSize() + ", not finite as a float");
        }
        if (vote.positionSize() < 0) {
            throw new InvalidTradeException(Rejection.NEGATIVE_POSITION_SIZE,
                    agent + ": position_size is " + vote.positionSize() + ", must be >= 0 (the direction says the side)");
        }
    }

    private static boolean finiteAsFloat(double value) {
        return Float.isFinite((float) value);
    }
}
