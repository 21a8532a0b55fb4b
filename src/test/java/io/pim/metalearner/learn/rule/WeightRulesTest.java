package io.pim.metalearner.learn.rule;

import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.trade.Direction;
import io.pim.metalearner.learn.trade.Vote;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Expected values are worked out by hand from docs/DESIGN.md §3's formulas, not by running the code. */
class WeightRulesTest {
    private static final double EXACT = 1e-9;
    private final WeightRule seedEma = new SeedEmaRule();

    @Test
    void seedEmaRaisesTheWeightOfAnAgentThatCalledTheMove() {
        // given LONG at confidence 0.8 and the price up 5%: d = 0.8·0.05·5 = 0.2, u = 1.2
        var vote = new Vote(Direction.LONG, 0.8, 10);
        // when
        double w = seedEma.update(1.0, vote, 0.05);
        // then 0.1·1.2 + 0.9·1.0
        assertThat(w).isCloseTo(1.02, within(EXACT));
    }

    @Test
    void seedEmaLowersTheWeightOfAnAgentThatCalledItWrong() {
        // given SHORT at confidence 0.6 from weight 1.5 and the price up 3%: d = 0.09, u = 0.91
        var vote = new Vote(Direction.SHORT, 0.6, 1);
        // when
        double w = seedEma.update(1.5, vote, 0.03);
        // then 0.1·0.91 + 0.9·1.5
        assertThat(w).isCloseTo(1.441, within(EXACT));
    }

    @Test
    void seedEmaCreditsAShortWhenThePriceFalls() {
        // given SHORT at confidence 0.8 and the price down 5%: d = 0.2, u = 1.2
        var vote = new Vote(Direction.SHORT, 0.8, 1);
        // when
        double w = seedEma.update(1.0, vote, -0.05);
        // then
        assertThat(w).isCloseTo(1.02, within(EXACT));
    }

    @Test
    void neutralVoteLeavesTheWeightAloneUnderBothRules() {
        // given
        var neutral = new Vote(Direction.NEUTRAL, 0.9, 5);
        // when / then
        assertThat(seedEma.update(1.37, neutral, 0.2)).isEqualTo(1.37);
        assertThat(new HedgeRule(5).update(0.42, neutral, -0.2)).isEqualTo(0.42);
    }

    @Test
    void seedEmaClipsAtTheUpperBound() {
        // given confidence 1 and a 40% move: d = 2, u = 3, 0.1·3 + 0.9·2.0 = 2.1
        var vote = new Vote(Direction.LONG, 1.0, 1);
        // when
        double w = seedEma.update(2.0, vote, 0.4);
        // then
        assertThat(w).isEqualTo(2.0);
    }

    @Test
    void seedEmaClipsAtTheLowerBound() {
        // given confidence 1 and a 40% move against: u = −1, 0.1·(−1) + 0.9·0.1 = −0.01
        var vote = new Vote(Direction.LONG, 1.0, 1);
        // when
        double w = seedEma.update(0.1, vote, -0.4);
        // then
        assertThat(w).isEqualTo(0.1);
    }

    @Test
    void hedgeMultipliesByExpOfTheSignedReturn() {
        // given η = 1, LONG at 0.5, price up 4%: r = 0.02
        var rule = new HedgeRule(1.0);
        // when
        double right = rule.update(1.0, new Vote(Direction.LONG, 0.5, 1), 0.04);
        double wrong = rule.update(1.0, new Vote(Direction.SHORT, 0.5, 1), 0.04);
        // then e^0.02 and e^−0.02
        assertThat(right).isCloseTo(1.0202013400267558, within(EXACT));
        assertThat(wrong).isCloseTo(0.9801986733067553, within(EXACT));
    }

    @Test
    void hedgeScalesTheReturnByItsLearningRate() {
        // given η = 2, LONG at 0.8 from 1.5, price down 5%: r = −0.04
        var rule = new HedgeRule(2.0);
        // when
        double w = rule.update(1.5, new Vote(Direction.LONG, 0.8, 1), -0.05);
        // then 1.5·e^−0.08
        assertThat(w).isCloseTo(1.3846745195799537, within(EXACT));
    }

    @Test
    void hedgeKeepsWeightsWithinBothBounds() {
        // given η = 10 and r = ±0.1: factors e and 1/e
        var rule = new HedgeRule(10);
        // when
        double up = rule.update(1.9, new Vote(Direction.LONG, 1.0, 1), 0.1);
        double down = rule.update(0.2, new Vote(Direction.LONG, 1.0, 1), -0.1);
        // then 5.16 → 2.0 and 0.074 → 0.1
        assertThat(up).isEqualTo(2.0);
        assertThat(down).isEqualTo(0.1);
    }

    @Test
    void configChoosesTheRule() {
        // given / when / then
        assertThat(WeightRule.of(LearnerConfig.defaults().rule(), LearnerConfig.defaults().hedgeRate()).name()).isEqualTo("seed-ema");
        assertThat(WeightRule.of("hedge", LearnerConfig.defaults().hedgeRate()).name()).isEqualTo("hedge");
    }
}
