package io.pim.metalearner.learn;

import java.util.Map;

/**
 * The value checks every trade passes before training, whatever it was decoded from (JSON body,
 * Avro records): finite positive prices, confidence in [0, 1], finite position sizes, a direction.
 */
public final class TradeValidator {
    private TradeValidator() {
    }

    /** @throws InvalidTradeException with the first problem found */
    public static Trade validate(Trade trade) {
        if (trade.decisionId() == null || trade.decisionId().isBlank()) {
            throw new InvalidTradeException(Rejection.MISSING_FIELD, "decision_id is missing or blank");
        }
        checkPrice("entry_price", trade.entryPrice());
        checkPrice("exit_price", trade.exitPrice());
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
        if (!Double.isFinite(vote.confidence())) {
            throw new InvalidTradeException(Rejection.NON_FINITE_VALUE, agent + ": confidence is " + vote.confidence());
        }
        if (vote.confidence() < 0 || vote.confidence() > 1) {
            throw new InvalidTradeException(Rejection.CONFIDENCE_OUT_OF_RANGE,
                    agent + ": confidence " + vote.confidence() + " is outside [0, 1]");
        }
        if (!Double.isFinite(vote.positionSize())) {
            throw new InvalidTradeException(Rejection.NON_FINITE_VALUE, agent + ": position_size is " + vote.positionSize());
        }
    }
}
