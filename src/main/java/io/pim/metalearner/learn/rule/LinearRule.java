package io.pim.metalearner.learn.rule;

import io.pim.metalearner.learn.predict.ModelSpec;
import io.pim.metalearner.learn.predict.Rls;
import io.pim.metalearner.learn.trade.Vote;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * A learned linear weighting: recursive least squares of the price move on the agents' signals
 * s = direction·confidence (a missing vote is 0), with forgetting factor λ. The committee acts on
 * sign(Σ wᵢ·sᵢ), so weights proportional to the regression's coefficients βᵢ make it act on the
 * regression's own forecast of the market's direction; they are scaled so the best agent sits at
 * {@link WeightRule#MAX}, and an agent whose coefficient is not positive (no skill, or a
 * contrarian) sits at {@link WeightRule#MIN}. Unlike Hedge it weighs the agents against each
 * other: two agents who always agree share their evidence instead of each getting it whole.
 * <p>Text: {@code linear} or {@code linear(forget=λ)}, λ in (0.5, 1]; 1 (the default) keeps the
 * whole history, below 1 follows a desk whose agents change (memory ≈ 1/(1−λ) trades).
 */
public final class LinearRule implements CommitteeRule {
    static final double DEFAULT_FORGET = 1.0;
    /** Prior precision of the coefficients, in units of one trade's s²: a weak prior, gone after a few trades. */
    private static final double DELTA = 1.0;

    private final int n;
    private final double forget;
    final double[] beta;
    final double[] p; // n×n inverse information matrix, row-major, kept symmetric
    private final double[] px;

    LinearRule(int agents, double forget) {
        this.n = agents;
        this.forget = forget;
        this.beta = new double[n];
        this.p = new double[n * n];
        this.px = new double[n];
        for (int i = 0; i < n; i++) p[i * n + i] = 1.0 / DELTA;
    }

    @Override
    public void update(double[] weights, Vote[] votes, double priceMove) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) if (votes[i] != null) s[i] = votes[i].direction().sign * votes[i].confidence();
        Rls.update(beta, p, px, s, priceMove, forget, n / DELTA); // the prior's trace bounds P (Rls)
        double best = 0;
        for (double b : beta) best = Math.max(best, b);
        if (best <= 0) return; // nothing learned yet that favours anyone: weights stay as they are
        for (int i = 0; i < n; i++) weights[i] = WeightRule.clip(WeightRule.MAX * beta[i] / best);
    }

    @Override
    public boolean finite() {
        for (double b : beta) if (!Double.isFinite(b)) return false;
        for (double x : p) if (!Double.isFinite(x)) return false;
        return true;
    }

    @Override
    public int stateSize() {
        return 8 * (n + n * n);
    }

    @Override
    public void encode(ByteBuffer out) {
        for (double b : beta) out.putDouble(b);
        for (double x : p) out.putDouble(x);
    }

    @Override
    public void decode(ByteBuffer in) {
        for (int i = 0; i < beta.length; i++) beta[i] = in.getDouble();
        for (int i = 0; i < p.length; i++) p[i] = in.getDouble();
    }

    /** The rule's name without parameters ({@code linear(forget=0.999)} → {@code linear}). */
    public static String nameOf(String rule) {
        if (rule == null) throw new IllegalArgumentException("rule: must not be null");
        int open = rule.indexOf('(');
        return (open < 0 ? rule : rule.substring(0, open)).trim();
    }

    /** {@code linear...} with every parameter named; any other rule text unchanged. */
    public static String canonical(String rule) {
        if (!nameOf(rule).equals("linear")) return rule;
        return "linear(forget=" + ModelSpec.number(forgetOf(rule)) + ")";
    }

    static double forgetOf(String rule) {
        int open = rule.indexOf('(');
        if (open < 0) return DEFAULT_FORGET;
        Map<String, String> params = ModelSpec.params("rule", rule.substring(open));
        for (String key : params.keySet()) {
            if (!key.equals("forget")) throw new IllegalArgumentException("rule: linear has no parameter '" + key + "'; it takes forget");
        }
        double forget;
        try {
            forget = Double.parseDouble(params.getOrDefault("forget", String.valueOf(DEFAULT_FORGET)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("rule: linear forget is not a number: " + params.get("forget"));
        }
        if (!(forget > 0.5 && forget <= 1)) throw new IllegalArgumentException("rule: linear forget must be in (0.5, 1], was " + forget);
        return forget;
    }
}
