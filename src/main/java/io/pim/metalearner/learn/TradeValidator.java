package io.pim.metalearner.learn;

import java.util.Map;

/**
 * The value checks every trade passes before training, whatever it was decoded from (JSON body,
 * Avro records): a known action, finite positive prices, confidence in [0, 1], finite position
 * sizes, a direction.
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
        if (trade.decisionId() == null || trade.decisionId().isBlank()) {
            throw new InvalidTradeException(Rejection.MISSING_FIELD, "decision_id is missing or blank");
        }
        if (trade.action() == null || trade.action().isBlank()) {
            throw new InvalidTradeException(Rejection.MISSING_FIELD, "action is missing or blank");
        }
        if (Trade.side(trade.action()).isEmpty()) throw Trade.unknownAction(trade.action());
        checkPrice("entry_price", trade.entryPrice());
        checkPrice("exit_price", trade.exitPrice());
        if (!finiteAsFloat(trade.targetReturn())) {
            throw new InvalidTradeException(Rejection.NON_FINITE_VALUE, "the return (exit_price - entry_price) / entry_price is "
                    + trade.targetReturn() + ", not finite as a float");
        }
        if (trade.votes() == null) throw new InvalidTradeException(Rejection.MISSING_FIELD, "agent_votes is missing");
        for (Map.Entry<String, Vote> e : trade.votes().entrySet()) checkVote(e.getKey(), e.getValue());
        return trade;
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
    }

    private static boolean finiteAsFloat(double value) {
        return Float.isFinite((float) value);
    }
}
