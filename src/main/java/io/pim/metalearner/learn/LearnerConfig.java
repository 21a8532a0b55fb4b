package io.pim.metalearner.learn;

import io.pim.metalearner.learn.predict.ModelSpec;
import io.pim.metalearner.learn.regime.RegimeResponse;
import io.pim.metalearner.learn.rule.LinearRule;
import io.pim.metalearner.learn.rule.WeightRule;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Everything that decides what a learner computes. Validated on construction, with messages that
 * name the field and its allowed values, so a bad flag or property fails at start, not mid-stream.
 *
 * @param roster    agents in feature order; changing it changes the network's input size
 * @param engine    {@code fast} or {@code dl4j}: how the network is computed, not what it computes
 * @param rule      agent weight rule: {@code seed-ema}, {@code hedge} or {@code linear(forget=λ)}
 *                  (canonical text, see {@link LinearRule})
 * @param hedgeRate η of the {@code hedge} rule (ignored by the others)
 * @param seed      seeds initial parameters and dropout masks
 * @param window    trades in the rolling metric windows (the seed's alert uses 50)
 * @param model     the predictor, as the canonical text of a {@link ModelSpec}: {@code seed-net} (the
 *                  original network, the default) or another family with its hyperparameters
 * @param response  what the learner does when its loss drifts ({@link RegimeResponse#NONE}, the
 *                  default, changes nothing)
 */
public record LearnerConfig(List<String> roster, String engine, String rule, double hedgeRate,
                            long seed, int window, String model, RegimeResponse response) {

    public static final List<String> DEFAULT_ROSTER = List.of(
            "TradingAgent", "TechnicalAgent", "FundamentalAgent", "SentimentAgent", "RiskAgent",
            "MacroAgent", "MomentumAgent", "VolatilityAgent", "NewsAgent");
    public static final List<String> ENGINES = List.of("fast", "dl4j");
    /** The rules the service config offers today. */
    public static final List<String> RULES = WeightRule.NAMES;
    /** Every rule a learner can have: {@code linear} is reached through a {@link LearnerSpec}. */
    public static final List<String> ALL_RULES = List.of("seed-ema", "hedge", "linear");
    /**
     * η = 1 makes a hedge weight compound like an account that follows the agent: a trade with
     * signed return r multiplies it by e^r ≈ 1 + r. With returns of a few percent, a consistently
     * right agent reaches the 2.0 bound in a few hundred trades and noise alone does not.
     */
    public static final double DEFAULT_HEDGE_RATE = 1.0;
    public static final long DEFAULT_SEED = 42;
    public static final int DEFAULT_WINDOW = 50;

    public LearnerConfig {
        roster = checkRoster(roster);
        if (!ENGINES.contains(engine)) {
            throw new IllegalArgumentException("engine: '" + engine + "' is not one of " + String.join(", ", ENGINES));
        }
        rule = LinearRule.canonical(rule); // validates linear(...); other names pass unchanged
        if (!ALL_RULES.contains(LinearRule.nameOf(rule))) {
            throw new IllegalArgumentException("rule: '" + rule + "' is not one of " + String.join(", ", ALL_RULES));
        }
        model = ModelSpec.parse(model == null ? ModelSpec.SEED_NET : model).canonical();
        if (!(hedgeRate > 0) || Double.isInfinite(hedgeRate)) {
            throw new IllegalArgumentException("hedgeRate: must be a finite number > 0, was " + hedgeRate);
        }
        if (window < 2) {
            throw new IllegalArgumentException("window: must be at least 2 trades (R² needs two points), was " + window);
        }
        if (response == null || response.isNone()) response = RegimeResponse.NONE; // one "none", whatever its detector
        if (!response.isNone() && ModelSpec.parse(model).family().equals("ridge")) {
            throw new IllegalArgumentException("response: the ridge model has no optimiser moments or learning rate to "
                    + "respond with; its forget factor (e.g. the ridge-tracking preset) is how it follows a changing market");
        }
    }

    /**
     * The roster rules on their own (also for a simulator's agents): at least one agent, no blank
     * or repeated names.
     *
     * @return an immutable copy
     */
    public static List<String> checkRoster(List<String> roster) {
        Objects.requireNonNull(roster, "roster: must not be null");
        if (roster.isEmpty()) throw new IllegalArgumentException("roster: must name at least one agent");
        var seen = new HashSet<String>();
        for (String agent : roster) {
            if (agent == null || agent.isBlank()) throw new IllegalArgumentException("roster: agent names must not be blank");
            if (!seen.add(agent)) throw new IllegalArgumentException("roster: agent '" + agent + "' is listed twice");
        }
        return List.copyOf(roster);
    }

    /** Without a regime response. */
    public LearnerConfig(List<String> roster, String engine, String rule, double hedgeRate, long seed, int window, String model) {
        this(roster, engine, rule, hedgeRate, seed, window, model, RegimeResponse.NONE);
    }

    /** The original's shape (no {@code model}): the seed's network. */
    public LearnerConfig(List<String> roster, String engine, String rule, double hedgeRate, long seed, int window) {
        this(roster, engine, rule, hedgeRate, seed, window, ModelSpec.SEED_NET);
    }

    /** The parsed {@link #model}. */
    public ModelSpec modelSpec() {
        return ModelSpec.parse(model);
    }

    /**
     * Whether this is the original learner's layout: the seed's network with a per-agent rule. Its
     * state keeps the original codec version (and so its bytes and fingerprints); any other variant
     * is written in the variant layout.
     */
    public boolean isSeedLayout() {
        return model.equals(ModelSpec.SEED_NET) && !LinearRule.nameOf(rule).equals("linear");
    }

    /** The variant as one spec string, {@code MODEL+RULE} ({@link LearnerSpec}). */
    public String spec() {
        return model + "+" + (rule.equals("hedge") ? "hedge(eta=" + ModelSpec.number(hedgeRate) + ")" : rule);
    }

    public static LearnerConfig defaults() {
        return new LearnerConfig(DEFAULT_ROSTER, "fast", "seed-ema", DEFAULT_HEDGE_RATE, DEFAULT_SEED, DEFAULT_WINDOW);
    }

    public LearnerConfig withRoster(List<String> roster) {
        return new LearnerConfig(roster, engine, rule, hedgeRate, seed, window, model, response);
    }

    public LearnerConfig withEngine(String engine) {
        return new LearnerConfig(roster, engine, rule, hedgeRate, seed, window, model, response);
    }

    public LearnerConfig withRule(String rule) {
        return new LearnerConfig(roster, engine, rule, hedgeRate, seed, window, model, response);
    }

    public LearnerConfig withHedgeRate(double hedgeRate) {
        return new LearnerConfig(roster, engine, rule, hedgeRate, seed, window, model, response);
    }

    public LearnerConfig withSeed(long seed) {
        return new LearnerConfig(roster, engine, rule, hedgeRate, seed, window, model, response);
    }

    public LearnerConfig withWindow(int window) {
        return new LearnerConfig(roster, engine, rule, hedgeRate, seed, window, model, response);
    }

    public LearnerConfig withModel(String model) {
        return new LearnerConfig(roster, engine, rule, hedgeRate, seed, window, model, response);
    }

    public LearnerConfig withResponse(RegimeResponse response) {
        return new LearnerConfig(roster, engine, rule, hedgeRate, seed, window, model, response);
    }
}
