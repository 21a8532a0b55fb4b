package io.pim.metalearner.learn.rule;

import io.pim.metalearner.learn.trade.Vote;

/**
 * The seed's rule: d = confidence·|price move|·5; u = 1 + d when the agent called the move's sign,
 * 1 − d otherwise; w ← 0.1·u + 0.9·w, clipped. A weight is an EMA of recent "grades" around 1.
 */
public final class SeedEmaRule implements WeightRule {

    @Override
    public double update(double weight, Vote vote, double priceMove) {
        int dir = vote.direction().sign;
        if (dir == 0) return weight;
        double d = vote.confidence() * Math.abs(priceMove) * 5.0;
        double u = dir * priceMove > 0 ? 1.0 + d : 1.0 - d;
        return WeightRule.clip(0.1 * u + 0.9 * weight);
    }

    @Override
    public String name() {
        return "seed-ema";
    }
}
