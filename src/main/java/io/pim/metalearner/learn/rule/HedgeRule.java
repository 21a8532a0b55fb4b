package io.pim.metalearner.learn.rule;

import io.pim.metalearner.learn.trade.Vote;

/**
 * Multiplicative weights (Hedge) on the agent's signed return r = direction·confidence·price move:
 * w ← w·exp(η·r), clipped. Unlike the seed's EMA, evidence accumulates, so a steadily right agent
 * keeps gaining until the bound, and a weight reflects its whole record rather than its last few trades.
 */
public final class HedgeRule implements WeightRule {
    private final double eta;

    public HedgeRule(double eta) {
        this.eta = eta;
    }

    @Override
    public double update(double weight, Vote vote, double priceMove) {
        int dir = vote.direction().sign;
        if (dir == 0) return weight;
        double r = dir * vote.confidence() * priceMove;
        return WeightRule.clip(weight * Math.exp(eta * r));
    }

    @Override
    public String name() {
        return "hedge";
    }
}
