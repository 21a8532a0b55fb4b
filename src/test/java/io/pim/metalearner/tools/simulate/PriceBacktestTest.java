package io.pim.metalearner.tools.simulate;

import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.net.Rng;
import io.pim.metalearner.learn.trade.Direction;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.TradeValidator;
import io.pim.metalearner.learn.trade.Vote;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real closes as a committee's decisions: votes from the past only, exits a holding period later. */
class PriceBacktestTest {
    private static final int DAYS = 400;

    /** A random walk per symbol, seeded: prices that look like prices without being any. */
    static PriceHistory walk(long seed, int days, String... symbols) {
        Rng rng = new Rng(seed);
        double[][] closes = new double[symbols.length][days];
        for (int s = 0; s < symbols.length; s++) {
            double p = 100;
            for (int d = 0; d < days; d++) {
                p *= 1 + 0.02 * (rng.nextDouble() - 0.5);
                closes[s][d] = p;
            }
        }
        return new PriceHistory(dates(days), List.of(symbols), closes);
    }

    static List<LocalDate> dates(int days) {
        List<LocalDate> out = new ArrayList<>();
        for (int d = 0; d < days; d++) out.add(LocalDate.of(2000, 1, 3).plusDays(d));
        return out;
    }

    @Test
    void aDecisionsVotesDoNotChangeWhenFuturePricesChange() {
        // given a history, and the same history with every close after day d changed
        PriceHistory original = walk(1, DAYS, "AAA", "BBB");
        int d = 250;
        double[][] changed = new double[2][];
        Rng noise = new Rng(99);
        for (int s = 0; s < 2; s++) {
            changed[s] = original.pastCloses(s, DAYS - 1);
            for (int t = d + 1; t < DAYS; t++) changed[s][t] *= 0.5 + noise.nextDouble(); // up to ±50%
        }
        PriceHistory future = new PriceHistory(original.dates(), original.symbols(), changed);
        var before = new PriceBacktest(original, LearnerConfig.DEFAULT_ROSTER, 5);
        var after = new PriceBacktest(future, LearnerConfig.DEFAULT_ROSTER, 5);

        // when both vote on every day up to d
        for (int day = before.firstDecisionDay(); day <= d; day++) {
            for (int s = 0; s < 2; s++) {
                // then the votes, and so the committee's action, are the same
                assertThat(after.votes(s, day)).as("votes on day %d", day).isEqualTo(before.votes(s, day));
                assertThat(after.decide(s, day).trade().action()).isEqualTo(before.decide(s, day).trade().action());
            }
        }
        // and the change did reach the backtest: the exit price of day d's decision moved
        assertThat(after.decide(0, d).trade().exitPrice()).isNotEqualTo(before.decide(0, d).trade().exitPrice());
        assertThat(after.votes(0, d + 30)).isNotEqualTo(before.votes(0, d + 30));
    }

    @Test
    void decisionsComeInCloseOrderWithTheExitAHoldingPeriodLaterAndTheActionOfTheUniformVote() {
        // given
        PriceHistory prices = walk(2, DAYS, "AAA", "BBB", "CCC");
        var backtest = new PriceBacktest(prices, LearnerConfig.DEFAULT_ROSTER, 3);

        // when
        List<PriceBacktest.Decision> decisions = backtest.decisions();

        // then a decision per symbol and day, from the first day every rule can vote to the last with a close 3 days on
        int first = backtest.firstDecisionDay();
        assertThat(first).isEqualTo(ClassicalRule.LONG_TREND.lookback - 1);
        assertThat(decisions).hasSize(3 * (DAYS - 3 - first));
        for (int i = 0; i < decisions.size(); i++) {
            PriceBacktest.Decision dec = decisions.get(i);
            int day = first + i / 3, s = i % 3;
            Trade t = dec.trade();
            assertThat(t.symbol()).isEqualTo(prices.symbols().get(s));
            assertThat(t.decisionId()).isEqualTo(t.symbol() + "@" + prices.dates().get(day));
            assertThat(dec.decided()).isEqualTo(prices.dates().get(day));
            assertThat(dec.closed()).isEqualTo(prices.dates().get(day + 3));
            assertThat(t.entryPrice()).isEqualTo(prices.close(s, day));
            assertThat(t.exitPrice()).isEqualTo(prices.close(s, day + 3));
            double uniform = t.votes().values().stream().mapToDouble(v -> v.direction().sign * v.confidence()).sum();
            assertThat(t.action()).isEqualTo(uniform >= 0 ? "BUY" : "SELL");
            assertThat(t.votes()).containsOnlyKeys(LearnerConfig.DEFAULT_ROSTER);
            TradeValidator.validate(t); // every decision is a trade the learner accepts
        }
    }

    @Test
    void eachAgentOfTheDefaultRosterPlaysItsOwnRuleAndAGivenRosterCyclesThroughThem() {
        var nine = new PriceBacktest(walk(3, DAYS, "A"), LearnerConfig.DEFAULT_ROSTER, 1);
        assertThat(LearnerConfig.DEFAULT_ROSTER.stream().map(nine::ruleOf).distinct()).hasSize(ClassicalRule.values().length);

        List<String> eleven = new ArrayList<>();
        for (int i = 0; i < 11; i++) eleven.add("agent" + i);
        var custom = new PriceBacktest(walk(3, DAYS, "A"), eleven, 1);
        assertThat(custom.ruleOf("agent0")).isEqualTo(ClassicalRule.values()[0]);
        assertThat(custom.ruleOf("agent10")).isEqualTo(ClassicalRule.values()[1]);
    }

    @Test
    void aHistoryTooShortForTheRulesGivesNoDecisions() {
        assertThat(new PriceBacktest(walk(4, 150, "A"), LearnerConfig.DEFAULT_ROSTER, 1).decisions()).isEmpty();
        assertThatThrownBy(() -> new PriceBacktest(walk(4, 150, "A"), LearnerConfig.DEFAULT_ROSTER, 0))
                .hasMessageContaining("hold");
    }

    @Test
    void rulesVoteAsTheirNamesSay() {
        double[] rising = new double[250], falling = new double[250];
        for (int i = 0; i < 250; i++) {
            rising[i] = 100 * Math.pow(1.004, i);
            falling[i] = 100 * Math.pow(0.996, i);
        }
        // trend followers follow
        for (ClassicalRule r : List.of(ClassicalRule.TREND_CROSSOVER, ClassicalRule.LONG_TREND, ClassicalRule.MOMENTUM, ClassicalRule.BREAKOUT)) {
            assertThat(r.vote(rising).direction()).as(r.name()).isEqualTo(Direction.LONG);
            assertThat(r.vote(falling).direction()).as(r.name()).isEqualTo(Direction.SHORT);
        }
        // an index that only rose is overbought for RSI and stretched above its 60-day mean
        assertThat(ClassicalRule.RSI_REVERSION.vote(rising).direction()).isEqualTo(Direction.SHORT);
        assertThat(ClassicalRule.MEAN_REVERSION.vote(falling).direction()).isEqualTo(Direction.LONG);
        // a 5-day fall of 5% fades
        double[] dip = flat(250);
        for (int i = 245; i < 250; i++) dip[i] = 100 - (i - 244);
        assertThat(ClassicalRule.SHORT_TERM_REVERSAL.vote(dip).direction()).isEqualTo(Direction.LONG);
        assertThat(ClassicalRule.BOLLINGER_REVERSION.vote(dip).direction()).isEqualTo(Direction.LONG);
        // confidence grows with the signal, within [0.5, 1]
        Vote strong = ClassicalRule.SHORT_TERM_REVERSAL.vote(dip);
        assertThat(strong.confidence()).isBetween(0.5, 1.0);
        assertThat(ClassicalRule.TREND_CROSSOVER.vote(flat(250))).isEqualTo(new Vote(Direction.NEUTRAL, 0.5, 5.0));
        assertThatThrownBy(() -> ClassicalRule.LONG_TREND.vote(flat(199))).hasMessageContaining("needs 200 closes");
    }

    @Test
    void aHistoryWithAnImpossiblePriceOrUnsortedDatesIsRefused() {
        assertThatThrownBy(() -> new PriceHistory(dates(2), List.of("A"), new double[][]{{1, 0}})).hasMessageContaining("close 0.0");
        assertThatThrownBy(() -> new PriceHistory(dates(2), List.of("A"), new double[][]{{1, Double.NaN}})).hasMessageContaining("NaN");
        assertThatThrownBy(() -> new PriceHistory(List.of(LocalDate.of(2000, 1, 2), LocalDate.of(2000, 1, 1)), List.of("A"),
                new double[][]{{1, 2}})).hasMessageContaining("dates must increase");
    }

    private static double[] flat(int n) {
        double[] c = new double[n];
        java.util.Arrays.fill(c, 100);
        return c;
    }
}
