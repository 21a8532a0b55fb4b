package io.pim.metalearner.learn;

import io.pim.metalearner.learn.net.AdamState;
import io.pim.metalearner.learn.net.Engine;
import io.pim.metalearner.learn.net.Features;
import io.pim.metalearner.learn.net.Network;
import io.pim.metalearner.learn.net.Rng;
import io.pim.metalearner.learn.net.SideFeatures;
import io.pim.metalearner.learn.predict.ModelSpec;
import io.pim.metalearner.learn.predict.Predictor;
import io.pim.metalearner.learn.regime.Regime;
import io.pim.metalearner.learn.rule.CommitteeRule;
import io.pim.metalearner.learn.rule.WeightRule;
import io.pim.metalearner.learn.score.AgentStats;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.RollingWindow;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.trade.Rejection;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.Vote;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One model: its predictor (the seed's network with its optimizer, or a variant family of
 * {@link ModelSpec}), the agents' weights and statistics, and the running metrics. Trades go in one at a time, in order; everything it does is a function of its
 * config and the trades seen so far, so the same trades give byte-identical state
 * ({@link LearnerCodec}). Not thread-safe: one learner belongs to one ordered stream.
 * <p>
 * <b>The divergence guard.</b> Before each step the learner is found diverged if its predictor's
 * or rule's parameters are not finite, or if its prediction is finite but beyond
 * ±max({@value #DIVERGENCE_FLOOR}, {@value #DIVERGENCE_MULTIPLE} × the largest |return| in its
 * rolling window): far outside any return it has just seen. A diverged learner stays so until it
 * is replaced (reset, rollback, restore, promote): it predicts 0 (no view), its committee votes
 * with uniform weights ({@link WeightRule#INITIAL}), and neither its model nor its rule learns;
 * steps, agent statistics and metrics go on, so its stream keeps its order and its figures show
 * the abstention. {@link #divergedAt} says when and {@link #divergence} why; the alert and the race
 * read them. The seed's network cannot reach the bound (its output is 0.2·tanh, within ±0.2, below
 * the floor) and refuses a non-finite step itself, so the original learner is unchanged by the guard.
 */
public final class Learner {
    /** A prediction beyond this many times the largest |return| in the rolling window is divergence. */
    public static final double DIVERGENCE_MULTIPLE = 10;
    /** ... but never a prediction within ±1 (a 100% return), however quiet the window. */
    public static final double DIVERGENCE_FLOOR = 1.0;
    private final LearnerConfig config;
    private final ModelSpec model;
    private final Features features;
    // The seed's network (null for a variant) or a variant's predictor (null for the seed's network).
    private final Engine engine;
    final Predictor variant;
    private final CommitteeRule rule;
    // Draws the seed network's initial parameters, then every dropout mask: its state is part of
    // the learner state. A variant keeps its own random state inside its predictor.
    final Rng rng;
    // The regime response's detector and boost (null when none is configured: nothing changes then).
    final Regime regime;

    long step;
    final double[] weights;
    // per agent, over LONG/SHORT votes: count, right calls, Σ direction·confidence·price move
    final long[] decisions;
    final long[] correct;
    final double[] contribution;
    final RollingWindow window;
    double pnlLearned;
    double pnlUniform;
    /** The step at which the guard found the learner diverged, 0 while it has not; part of the state. */
    long divergedAt;
    String divergence = "";

    Learner(LearnerConfig config, AdamState adam, Rng rng) {
        this.config = config;
        this.features = new Features(config.roster());
        this.model = config.modelSpec();
        boolean seedNet = model.family().equals(ModelSpec.SEED_NET);
        this.engine = seedNet ? Engines.create(config.engine(), new Network(config.roster().size()), adam) : null;
        this.variant = seedNet ? null : Predictor.create(model, variantInputs(config), config.seed());
        this.rule = CommitteeRule.of(config.rule(), config.roster().size(), config.hedgeRate());
        this.rng = rng;
        int n = config.roster().size();
        this.weights = new double[n];
        Arrays.fill(weights, WeightRule.INITIAL);
        this.decisions = new long[n];
        this.correct = new long[n];
        this.contribution = new double[n];
        this.window = new RollingWindow(config.window());
        this.regime = config.response().isNone() ? null : new Regime(config.response());
    }

    /** A fresh model: parameters drawn from Rng(seed), every weight 1.0. */
    public static Learner create(LearnerConfig config) {
        Rng rng = new Rng(config.seed());
        if (!config.modelSpec().family().equals(ModelSpec.SEED_NET)) return new Learner(config, null, rng);
        float[] params = new Network(config.roster().size()).initialParams(rng);
        return new Learner(config, AdamState.fresh(params), rng);
    }

    private static int variantInputs(LearnerConfig config) {
        int agents = config.roster().size();
        return config.modelSpec().sideFeatures() ? SideFeatures.size(agents) : agents * Network.FEATURES_PER_AGENT;
    }

    private double[] variantInputs(Features.Encoded in, int side) {
        return model.sideFeatures() ? SideFeatures.encode(in.votes(), side) : SideFeatures.votes(in.values());
    }

    /**
     * One training step on a validated trade ({@link TradeValidator}).
     *
     * @throws InvalidTradeException {@code non-finite-value} if the prediction, the step's loss or
     *         its gradient is not finite (numbers too large for the float network); the learner is
     *         then exactly as it was, as if the trade had never been offered
     */
    public StepResult train(Trade trade) {
        Features.Encoded in = features.encode(trade.votes());
        double priceMove = trade.priceMove();
        double actual = trade.targetReturn();

        float predicted, loss;
        double lrScale = regime == null ? 1 : regime.learningRateScale(step + 1);
        if (divergedAt == 0 && !(rule.finite() && (variant == null || variant.finite()))) {
            diverge("its parameters are not finite");
        }
        double[] x = variant == null ? null : variantInputs(in, trade.isShort() ? -1 : 1);
        predicted = 0;
        if (divergedAt == 0) {
            predicted = variant == null ? engine.predict(in.values()) : (float) variant.predict(x);
            requireFinite(predicted); // a non-finite prediction from finite parameters: the trade's numbers are to blame
            double bound = predictionBound();
            if (Math.abs(predicted) > bound) {
                diverge(String.format(Locale.ROOT, "its prediction %.4g is beyond ±%.4g", predicted, bound));
            }
        }
        if (divergedAt != 0) {
            predicted = 0;
            loss = (float) (actual * actual);
        } else if (variant == null) {
            if (regime != null) engine.learningRateScale((float) lrScale);
            long rngBefore = rng.state();
            float[] mask1 = Network.dropoutMask(Network.HIDDEN1, rng);
            float[] mask2 = Network.dropoutMask(Network.HIDDEN2, rng);
            try {
                loss = engine.trainStep(in.values(), (float) actual, mask1, mask2);
            } catch (InvalidTradeException e) {
                rng.restore(rngBefore); // the engine changed nothing; the masks are drawn again next step
                throw e;
            }
        } else {
            if (regime != null) variant.learningRateScale(lrScale);
            loss = (float) variant.train(x, actual);
        }

        // The committee's counterfactual trade uses the weights it would have voted with.
        recordCommittee(in.votes(), priceMove);
        Vote[] votes = in.votes();
        for (int i = 0; i < votes.length; i++) {
            Vote v = votes[i];
            if (v == null) continue;
            int dir = v.direction().sign;
            if (dir != 0) {
                decisions[i]++;
                if (dir * priceMove > 0) correct[i]++;
                contribution[i] += dir * v.confidence() * priceMove;
            }
        }
        if (divergedAt == 0) rule.update(weights, votes, priceMove);
        window.add(predicted, actual);
        step++;
        // after the step, which can no longer be refused: the response acts from the next step on.
        // The error is the one the drift alert watches (ModelMonitor), computed the same way.
        if (regime != null && regime.observe(step, Math.pow(predicted - actual, 2))) respond();
        return new StepResult(step, trade.decisionId(), predicted, actual, loss,
                window.loss(), window.r2(), window.directionAccuracy(), weights(), in.unknownAgents());
    }

    /** The guard's bound on |prediction|: {@link #DIVERGENCE_MULTIPLE} × the largest |return| in the window, at least the floor. */
    double predictionBound() {
        double largest = 0;
        for (int i = 0; i < window.size; i++) largest = Math.max(largest, Math.abs(window.actual[i]));
        return Math.max(DIVERGENCE_FLOOR, DIVERGENCE_MULTIPLE * largest);
    }

    /** From this step on the learner abstains: no view, uniform weights, no learning (see the class comment). */
    private void diverge(String reason) {
        divergedAt = step + 1;
        divergence = reason;
        Arrays.fill(weights, WeightRule.INITIAL);
    }

    /** Whether the guard found the learner diverged; it stays so until the learner is replaced. */
    public boolean diverged() {
        return divergedAt != 0;
    }

    /** The step at which it diverged, 0 if it has not. */
    public long divergedAt() {
        return divergedAt;
    }

    /** Why it diverged ({@code "its parameters are not finite"}, or the prediction and the bound), "" if it has not. */
    public String divergence() {
        return divergence;
    }

    /** The regime response is due: the optimiser restarts (if configured); the boost was set by {@link Regime#observe}. */
    private void respond() {
        if (!regime.response.resetMoments()) return;
        if (variant != null) {
            variant.resetMoments();
            return;
        }
        AdamState s = engine.stateView();
        int n = s.params().length;
        engine.load(new AdamState(s.params(), new float[n], new float[n], 0));
    }

    /** How many times the regime response was triggered (0 without one). */
    public long regimeResponses() {
        return regime == null ? 0 : regime.responses;
    }

    /** The step whose error triggered the last regime response, 0 if none did. */
    public long lastRegimeResponse() {
        return regime == null ? 0 : regime.lastResponseStep;
    }

    /** The factor the next training step's learning rate is multiplied by: 1 unless a regime response boosts it. */
    public double learningRateScale() {
        return regime == null ? 1 : regime.learningRateScale(step + 1);
    }

    /** The committee's score Σ direction·confidence of the votes, weighted by the agents' weights and uniformly. */
    private double[] committee(Vote[] votes) {
        double learned = 0, uniform = 0;
        for (int i = 0; i < votes.length; i++) {
            Vote v = votes[i];
            if (v == null) continue;
            double signal = v.direction().sign * v.confidence();
            learned += weights[i] * signal;
            uniform += signal;
        }
        return new double[]{learned, uniform};
    }

    private static void requireFinite(float predicted) {
        if (!Float.isFinite(predicted)) {
            throw new InvalidTradeException(Rejection.NON_FINITE_VALUE, "the prediction is " + predicted);
        }
    }

    private void recordCommittee(Vote[] votes, double priceMove) {
        double[] committee = committee(votes);
        pnlLearned += Math.signum(committee[0]) * priceMove;
        pnlUniform += Math.signum(committee[1]) * priceMove;
    }

    public long step() {
        return step;
    }

    public LearnerConfig config() {
        return config;
    }

    /** Agent → weight, in roster order. */
    public Map<String, Double> weights() {
        Map<String, Double> out = new LinkedHashMap<>();
        List<String> roster = config.roster();
        for (int i = 0; i < roster.size(); i++) out.put(roster.get(i), weights[i]);
        return Collections.unmodifiableMap(out);
    }

    /** Agent → statistics, in roster order. */
    public Map<String, AgentStats> agentStats() {
        Map<String, AgentStats> out = new LinkedHashMap<>();
        List<String> roster = config.roster();
        for (int i = 0; i < roster.size(); i++) {
            long n = decisions[i];
            out.put(roster.get(i), new AgentStats(n, n == 0 ? 0 : (double) correct[i] / n,
                    n == 0 ? 0 : contribution[i] / n, weights[i]));
        }
        return Collections.unmodifiableMap(out);
    }

    public Metrics metrics() {
        return new Metrics(step, window.loss(), window.r2(), window.directionAccuracy(), pnlLearned, pnlUniform);
    }

    /** Eval-mode prediction for a set of votes, without learning from it (for a LONG position). */
    public float predict(Map<String, Vote> votes) {
        if (divergedAt != 0) return 0;
        Features.Encoded in = features.encode(votes);
        return variant == null ? engine.predict(in.values()) : (float) variant.predict(variantInputs(in, 1));
    }

    /**
     * Scores a decision before its outcome: the eval-mode prediction and the committee's score with
     * the current and with uniform weights. Reads the state only (no dropout mask, no draw from the
     * generator), so the fingerprint after it is the one before it.
     */
    public VoteScore score(Map<String, Vote> votes) {
        return score(votes, fingerprint());
    }

    /** As {@link #score(Map)}, for a caller that holds this learner's fingerprint already (the stream, per vote). */
    public VoteScore score(Map<String, Vote> votes, String fingerprint) {
        float predicted = predict(votes); // eval mode: the seed's network or the variant's predictor
        double[] committee = committee(features.encode(votes).votes());
        return new VoteScore(step, fingerprint, predicted, committee[0], committee[1]);
    }

    /**
     * Scores a decision whose side is known (its action), as the offline replay judges a trade at
     * the instant it was decided: as {@link #score(Map)}, but the prediction is the one
     * {@link #train} would make for that side (the seed's network does not look at the side; a
     * variant on side-relative features does, where {@link #score(Map)} takes a LONG position).
     * Reads the state only. The score carries no fingerprint (null): hashing the whole state for
     * every decision would cost several times the training step.
     */
    public VoteScore score(Trade decision) {
        return score(decision.votes(), decision.isShort());
    }

    /** As {@link #score(Trade)}, for a decision known by its votes and its side (the stream, at vote time). */
    public VoteScore score(Map<String, Vote> votes, boolean isShort) {
        Features.Encoded in = features.encode(votes);
        float predicted = divergedAt != 0 ? 0 : variant == null ? engine.predict(in.values())
                : (float) variant.predict(variantInputs(in, isShort ? -1 : 1));
        double[] committee = committee(in.votes());
        return new VoteScore(step, null, predicted, committee[0], committee[1]);
    }

    /**
     * Parameters, Adam moments and Adam step of the seed's network: a copy.
     *
     * @throws IllegalStateException for a variant, which has no such network (nothing to export to DL4J)
     */
    public AdamState adamState() {
        return seedEngine().state();
    }

    /** {@link Engine#stateView}: for the codec, which reads it at once. */
    AdamState adamStateView() {
        return seedEngine().stateView();
    }

    private Engine seedEngine() {
        if (engine == null) {
            throw new IllegalStateException("model '" + config.model() + "' is a variant, not the seed's network");
        }
        return engine;
    }

    CommitteeRule rule() {
        return rule;
    }

    /** SHA-256 (hex) of the encoded state: equal fingerprints mean byte-identical learners. */
    public String fingerprint() {
        return LearnerCodec.fingerprint(this);
    }
}
