package io.pim.metalearner.tools.simulate;

import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.Vote;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Real closes as a committee's trade stream: every day, for every symbol, each agent votes with
 * its {@link ClassicalRule} on the closes up to that day; the committee acts on the uniform vote
 * (BUY when Σ direction·confidence ≥ 0, else SELL, as the simulator's committee does) at that
 * day's close, and the position closes {@code hold} trading days later.
 *
 * <p>No look-ahead in the votes by construction: a rule is handed a copy of the closes up to the
 * decision day, nothing later. Decisions come in close order (day, then symbol in column order),
 * the order a stream would train them in.
 */
public final class PriceBacktest {
    /** A decision with its dates; {@code trade} is what the learner trains on. */
    public record Decision(LocalDate decided, LocalDate closed, Trade trade) {
    }

    private final PriceHistory prices;
    private final List<String> roster;
    private final List<ClassicalRule> rules;
    private final int hold;

    /** Agent i of the roster votes with rule i of {@link ClassicalRule} (cyclically past the ninth). */
    public PriceBacktest(PriceHistory prices, List<String> roster, int hold) {
        if (hold < 1) throw new IllegalArgumentException("hold: must be >= 1 trading day, was " + hold);
        this.prices = prices;
        this.roster = LearnerConfig.checkRoster(roster);
        this.hold = hold;
        ClassicalRule[] all = ClassicalRule.values();
        this.rules = this.roster.stream().map(a -> all[this.roster.indexOf(a) % all.length]).toList();
    }

    public ClassicalRule ruleOf(String agent) {
        return rules.get(roster.indexOf(agent));
    }

    /** The first day (0-based) on which every rule has enough history to vote. */
    public int firstDecisionDay() {
        return rules.stream().mapToInt(r -> r.lookback).max().orElse(1) - 1;
    }

    /** Every decision whose close is in the data, in close order; empty when the history is too short. */
    public List<Decision> decisions() {
        List<Decision> out = new ArrayList<>();
        for (int d = firstDecisionDay(); d + hold < prices.days(); d++) {
            for (int s = 0; s < prices.symbols().size(); s++) out.add(decide(s, d));
        }
        return out;
    }

    /** The votes of every agent on symbol s at day d's close, from the closes up to day d only. */
    public Map<String, Vote> votes(int s, int d) {
        double[] past = prices.pastCloses(s, d);
        Map<String, Vote> votes = new LinkedHashMap<>();
        for (int i = 0; i < roster.size(); i++) votes.put(roster.get(i), rules.get(i).vote(past));
        return votes;
    }

    Decision decide(int s, int d) {
        Map<String, Vote> votes = votes(s, d);
        double committee = 0;
        for (Vote v : votes.values()) committee += v.direction().sign * v.confidence();
        String symbol = prices.symbols().get(s);
        LocalDate day = prices.dates().get(d);
        Trade trade = new Trade(symbol + "@" + day, symbol, committee >= 0 ? "BUY" : "SELL",
                prices.close(s, d), prices.close(s, d + hold), votes);
        return new Decision(day, prices.dates().get(d + hold), trade);
    }
}
