package io.pim.metalearner.tools.simulate;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.learn.net.Rng;

import java.util.List;

/**
 * A seeded synthetic stream of closed trades in the seed's feedback format, for tests, backtests of
 * the learner itself and the demo.
 *
 * <p>Each trade has a hidden standardized move z ~ N(0, 1); the price moves by σ·z (σ = 3%). Each
 * agent has a hidden skill ρ (its signal's correlation with z): it sees s = ρ·z + √(1−ρ²)·ε and
 * votes LONG above +0.25, SHORT below −0.25, NEUTRAL between, with a confidence that grows with
 * |s|, so confidence carries information too. Skills are spread evenly from 0.6 (good) to −0.2
 * (contrarian) and dealt to the agents in a seeded order. An agent abstains 10% of the time. The
 * committee's action is the uniform-weight vote (BUY when Σ direction·confidence ≥ 0), so the
 * target (the position's return) is predictable from the votes, but far from perfectly.
 * Scenario {@code switch} rotates the skills by half the roster half-way through, so every agent's
 * skill changes and a learner has to notice.
 */
public final class TradeSimulator {
    public enum Scenario { SKILLS, SWITCH }

    static final double SIGMA = 0.03;
    static final double THRESHOLD = 0.25;
    static final double ABSTAIN = 0.10;
    private static final List<String> SYMBOLS = List.of("AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA", "JPM");
    private static final JsonMapper MAPPER = new JsonMapper();

    private final List<String> agents;
    private final long seed;
    private final Scenario scenario;
    private final int trades;
    private final double[] skills;
    private final Rng rng;
    private int produced;

    public TradeSimulator(List<String> agents, long seed, Scenario scenario, int trades) {
        this.agents = List.copyOf(agents);
        this.seed = seed;
        this.scenario = scenario;
        this.trades = trades;
        // Mixed so that `simulate --seed 42` and `learn --seed 42` do not draw the same numbers.
        this.rng = new Rng(seed ^ 0x5EED_5EED_5EED_5EEDL);
        this.skills = dealSkills(agents.size(), rng);
    }

    private static double[] dealSkills(int n, Rng rng) {
        double[] s = new double[n];
        // in hundredths, so the middle skill is exactly 0 rather than a rounding error below it
        for (int i = 0; i < n; i++) s[i] = n == 1 ? 0.6 : (60 - 80.0 * i / (n - 1)) / 100;
        for (int i = n - 1; i > 0; i--) { // Fisher–Yates
            int j = (int) (rng.nextDouble() * (i + 1));
            double t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        return s;
    }

    /** The hidden skill of agent {@code i} at trade {@code index} (0-based). */
    public double skill(int i, int index) {
        if (scenario == Scenario.SWITCH && index >= trades / 2) {
            return skills[(i + agents.size() / 2) % agents.size()];
        }
        return skills[i];
    }

    public boolean hasNext() {
        return produced < trades;
    }

    /** The next trade as one JSON line (no newline). */
    public String next() {
        int index = produced++;
        double z = gaussian();
        double move = SIGMA * z;

        ObjectNode votes = MAPPER.createObjectNode();
        double committee = 0;
        for (int i = 0; i < agents.size(); i++) {
            // Draw everything whether or not the agent votes, so one agent's abstention does not
            // shift every later random number.
            double abstain = rng.nextDouble(), noise = gaussian(), sizeNoise = rng.nextDouble();
            if (abstain < ABSTAIN) continue;
            double rho = skill(i, index);
            double s = rho * z + Math.sqrt(1 - rho * rho) * noise;
            int dir = s > THRESHOLD ? 1 : s < -THRESHOLD ? -1 : 0;
            double confidence = round(Math.min(1.0, 0.35 + 0.2 * Math.abs(s)), 2);
            double size = round(confidence * 10 * (0.5 + sizeNoise), 1);
            committee += dir * confidence;
            ObjectNode vote = votes.putObject(agents.get(i));
            vote.put("direction", dir > 0 ? "LONG" : dir < 0 ? "SHORT" : "NEUTRAL");
            vote.put("confidence", confidence);
            vote.put("position_size", size);
        }
        boolean buy = committee >= 0;
        double entry = round(20 + 480 * rng.nextDouble(), 2);
        double exit = round(entry * (1 + move), 4);
        int shares = 100;

        ObjectNode trade = MAPPER.createObjectNode();
        trade.put("decision_id", "sim-" + seed + "-" + (index + 1));
        trade.put("workflow_id", "wf-" + (index + 1));
        trade.put("symbol", SYMBOLS.get((int) (rng.nextDouble() * SYMBOLS.size())));
        trade.put("action", buy ? "BUY" : "SELL");
        trade.put("entry_price", entry);
        trade.put("exit_price", exit);
        trade.put("actual_profit", round((exit - entry) * shares * (buy ? 1 : -1), 2));
        trade.put("hold_duration", 1 + (int) (rng.nextDouble() * 20));
        trade.set("agent_votes", votes);
        return trade.toString();
    }

    /** Box–Muller; one of the pair is discarded to keep the generator's state a single long. */
    private double gaussian() {
        double u1 = 1.0 - rng.nextDouble(); // (0, 1]: log(0) would be -∞
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static double round(double x, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(x * f) / f;
    }
}
