package io.pim.metalearner.learn;

import io.pim.metalearner.learn.net.Features;
import io.pim.metalearner.learn.score.AgentStats;
import io.pim.metalearner.learn.score.Fit;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.trade.Direction;
import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.trade.Rejection;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.Vote;
import io.pim.metalearner.testing.SimulatedTrades;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class LearnerTest {
    private static final double EXACT = 1e-9;

    private static Trade trade(String id, String action, double entry, double exit, Map<String, Vote> votes) {
        return new Trade(id, "AAPL", action, entry, exit, votes);
    }

    private static Map<String, Vote> votes(Object... agentThenVote) {
        Map<String, Vote> m = new LinkedHashMap<>();
        for (int i = 0; i < agentThenVote.length; i += 2) m.put((String) agentThenVote[i], (Vote) agentThenVote[i + 1]);
        return m;
    }

    @Test
    void shortActionNegatesTheTargetButNotTheAgentsPriceMove() {
        // given a SELL whose price rose 10%, and an agent that called LONG
        var learner = Learner.create(LearnerConfig.defaults());
        var sell = trade("d-1", "SELL", 100, 110, votes("TradingAgent", new Vote(Direction.LONG, 1.0, 1)));
        // when
        StepResult r = learner.train(sell);
        // then the position lost 10%, while the agent was right about the market
        assertThat(sell.priceMove()).isCloseTo(0.1, within(EXACT));
        assertThat(r.actualReturn()).isCloseTo(-0.1, within(EXACT));
        assertThat(learner.agentStats().get("TradingAgent").accuracy()).isEqualTo(1.0);
        assertThat(r.agentWeights().get("TradingAgent")).isGreaterThan(1.0);
    }

    @Test
    void anUnknownActionIsNeverTrainedOnEvenUnvalidated() {
        // given a trade that skipped the validator, with a typo for SELL
        var learner = Learner.create(LearnerConfig.defaults());
        var typo = trade("d-1", "SEL", 100, 110, votes("TradingAgent", new Vote(Direction.LONG, 1.0, 1)));
        byte[] before = LearnerCodec.encode(learner);
        // when
        var e = catchThrowableOfType(InvalidTradeException.class, () -> learner.train(typo));
        // then it is not taken for a long
        assertThat(e.reason()).isEqualTo(Rejection.UNKNOWN_ACTION);
        assertThat(e.getMessage()).isEqualTo("action 'SEL' is not one of BUY, LONG, SELL, SHORT, SELL_SHORT");
        assertThat(LearnerCodec.encode(learner)).isEqualTo(before);
    }

    @Test
    void nonDefaultRosterShapesFeaturesNetworkAndWeights() {
        // given a two-agent roster and votes from one of them plus a stranger
        var config = LearnerConfig.defaults().withRoster(List.of("Beta", "Alpha"));
        var features = new Features(config.roster());
        var v = votes("Alpha", new Vote(Direction.SHORT, 0.5, 7), "Stranger", new Vote(Direction.LONG, 1, 1));
        // when
        Features.Encoded in = features.encode(v);
        var learner = Learner.create(config);
        StepResult r = learner.train(trade("d-1", "BUY", 100, 101, v));
        // then 6 inputs in roster order, Beta's missing vote is zeros, the stranger is reported
        assertThat(in.values()).containsExactly(0f, 0f, 0f, -1f, 0.5f, 7f);
        assertThat(in.unknownAgents()).containsExactly("Stranger");
        // 6·64+64 + 64·32+32 + 32+1
        assertThat(learner.adamState().params()).hasSize(2561);
        assertThat(r.agentWeights()).containsOnlyKeys("Beta", "Alpha");
        assertThat(r.agentWeights().keySet()).containsExactly("Beta", "Alpha");
        assertThat(r.unknownAgents()).containsExactly("Stranger");
    }

    @Test
    void agentStatsAndCommitteePnlFollowTheirDefinitions() {
        // given two agents under seed-ema
        var learner = Learner.create(LearnerConfig.defaults().withRoster(List.of("A", "B")));
        // trade 1, price +10%: A LONG 1.0 (right), B SHORT 0.5 (wrong); Σ = 0.5 > 0, both committees earn 0.1
        // weights after: A 0.1·1.5 + 0.9 = 1.05, B 0.1·0.75 + 0.9 = 0.975
        learner.train(trade("d-1", "BUY", 100, 110, votes("A", new Vote(Direction.LONG, 1.0, 1), "B", new Vote(Direction.SHORT, 0.5, 1))));
        // trade 2, price −2%: A SHORT 0.5, B LONG 0.5; learned Σ = −0.525 + 0.4875 < 0 earns 0.02, uniform Σ = 0 stays flat
        learner.train(trade("d-2", "BUY", 100, 98, votes("A", new Vote(Direction.SHORT, 0.5, 1), "B", new Vote(Direction.LONG, 0.5, 1))));
        // when
        Metrics m = learner.metrics();
        Map<String, AgentStats> stats = learner.agentStats();
        // then
        assertThat(m.committeePnlLearned()).isCloseTo(0.12, within(EXACT));
        assertThat(m.committeePnlUniform()).isCloseTo(0.10, within(EXACT));
        assertThat(stats.get("A").decisions()).isEqualTo(2);
        assertThat(stats.get("A").accuracy()).isEqualTo(1.0);
        assertThat(stats.get("A").avgProfitContribution()).isCloseTo((0.1 + 0.01) / 2, within(EXACT));
        assertThat(stats.get("B").accuracy()).isEqualTo(0.0);
        assertThat(stats.get("B").avgProfitContribution()).isCloseTo((-0.05 - 0.01) / 2, within(EXACT));
        // trade 2 grades: A right, d = 0.5·0.02·5 = 0.05, 0.1·1.05 + 0.9·1.05; B wrong, 0.1·0.95 + 0.9·0.975
        assertThat(stats.get("A").weight()).isCloseTo(1.05, within(EXACT));
        assertThat(stats.get("B").weight()).isCloseTo(0.9725, within(EXACT));
        assertThat(learner.step()).isEqualTo(2);
    }

    @Test
    void rollingR2IsUndefinedWithoutVarianceInRealizedReturns() {
        // given the same realized return twice
        var learner = Learner.create(LearnerConfig.defaults());
        Map<String, Vote> v = votes("TradingAgent", new Vote(Direction.LONG, 0.7, 1));
        // when
        StepResult first = learner.train(trade("d-1", "BUY", 100, 101, v));
        StepResult second = learner.train(trade("d-2", "BUY", 200, 202, v));
        // then
        assertThat(first.rollingR2()).isNull();
        assertThat(second.rollingR2()).isNull();
        assertThat(second.rollingLoss()).isCloseTo(
                ((first.predictedReturn() - 0.01) * (first.predictedReturn() - 0.01)
                        + (second.predictedReturn() - 0.01) * (second.predictedReturn() - 0.01)) / 2, within(1e-12));
    }

    @Test
    void predictedReturnIsTheEvalModePredictionBeforeTheUpdate() {
        // given
        var learner = Learner.create(LearnerConfig.defaults());
        Trade t = SimulatedTrades.of(1, 3, TradeSimulator.Scenario.SKILLS).get(0);
        float before = learner.predict(t.votes());
        // when
        StepResult r = learner.train(t);
        // then
        assertThat(r.predictedReturn()).isEqualTo(before);
        assertThat(learner.predict(t.votes())).isNotEqualTo(before);
    }

    @ParameterizedTest
    @MethodSource("seedNetAndASideFeatureVariant")
    void aDecisionsScoreIsThePredictionTrainingMakesForItsSideAndChangesNothing(LearnerConfig config) {
        // given a learner that has learned a little, and a SHORT trade (a side-relative variant's prediction depends on the side)
        var learner = Learner.create(config);
        List<Trade> trades = SimulatedTrades.of(60, 2, TradeSimulator.Scenario.SKILLS);
        trades.subList(0, 50).forEach(learner::train);
        Trade t = trades.stream().skip(50).filter(Trade::isShort).findFirst().orElseThrow();
        String before = learner.fingerprint();
        // when
        VoteScore score = learner.score(t);
        // then
        assertThat(learner.fingerprint()).isEqualTo(before);
        assertThat(score.step()).isEqualTo(50);
        assertThat(score.committeeLearned()).isEqualTo(learner.score(t.votes()).committeeLearned());
        assertThat((float) score.predictedReturn()).isEqualTo(learner.train(t).predictedReturn());
    }

    static Stream<LearnerConfig> seedNetAndASideFeatureVariant() {
        return Stream.of(LearnerConfig.defaults(), LearnerSpec.parse("ridge").applyTo(LearnerConfig.defaults()));
    }

    @Test
    void twoRunsOnTheSameTradesGiveByteIdenticalState() {
        // given
        List<Trade> trades = SimulatedTrades.of(1000, 7, TradeSimulator.Scenario.SWITCH);
        var a = Learner.create(LearnerConfig.defaults());
        var b = Learner.create(LearnerConfig.defaults());
        // when
        trades.forEach(a::train);
        trades.forEach(b::train);
        // then
        assertThat(LearnerCodec.encode(a)).isEqualTo(LearnerCodec.encode(b));
        assertThat(a.fingerprint()).isEqualTo(b.fingerprint()).hasSize(64);
    }

    @Test
    void differentSeedsGiveDifferentModels() {
        // given
        List<Trade> trades = SimulatedTrades.of(10, 7, TradeSimulator.Scenario.SKILLS);
        var a = Learner.create(LearnerConfig.defaults());
        var b = Learner.create(LearnerConfig.defaults().withSeed(43));
        // when
        trades.forEach(a::train);
        trades.forEach(b::train);
        // then
        assertThat(a.fingerprint()).isNotEqualTo(b.fingerprint());
    }

    @Test
    void simulatedStreamIsLearnedBetterThanPredictingZero() {
        // given a stream whose returns the votes partly explain
        List<Trade> trades = SimulatedTrades.of(10_000, 1, TradeSimulator.Scenario.SKILLS);
        var learner = Learner.create(LearnerConfig.defaults());
        // when
        int n = trades.size(), late = 1000;
        double[] predicted = new double[late], actual = new double[late];
        for (int i = 0; i < n; i++) {
            StepResult r = learner.train(trades.get(i));
            if (i >= n - late) {
                predicted[i - (n - late)] = r.predictedReturn();
                actual[i - (n - late)] = r.actualReturn();
            }
        }
        // then the late prequential loss is clearly below the mean squared return (predicting 0)
        double lateLoss = Fit.mse(predicted, actual, late);
        double meanSquaredReturn = Fit.mse(new double[late], actual, late);
        assertThat(lateLoss).isLessThan(0.9 * meanSquaredReturn);
        assertThat(Fit.r2(predicted, actual, late)).isGreaterThan(0.05);
        assertThat(learner.metrics().rollingLoss()).isFinite();
    }

    @Test
    void switchingTheEngineDoesNotChangeWhatAUserGets() {
        // given the same trades for a fast and a dl4j learner
        List<Trade> trades = SimulatedTrades.of(500, 11, TradeSimulator.Scenario.SKILLS);
        var fast = Learner.create(LearnerConfig.defaults());
        var dl4j = Learner.create(LearnerConfig.defaults().withEngine("dl4j"));
        // when
        for (Trade t : trades) {
            StepResult a = fast.train(t);
            StepResult b = dl4j.train(t);
            // then every reported figure agrees
            assertThat((double) b.predictedReturn()).isCloseTo(a.predictedReturn(), within(1e-4));
            assertThat((double) b.loss()).isCloseTo(a.loss(), within(1e-4));
            assertThat(b.agentWeights()).isEqualTo(a.agentWeights());
        }
        float[] p = fast.adamState().params(), q = dl4j.adamState().params();
        for (int i = 0; i < p.length; i++) assertThat(q[i]).isCloseTo(p[i], within(1e-6f));
    }

    @Test
    void aStateDoesNotDependOnTheEngineThatProducedIt() {
        // given a learner trained on the dl4j engine
        var dl4j = Learner.create(LearnerConfig.defaults().withEngine("dl4j"));
        for (Trade t : SimulatedTrades.of(50, 5, TradeSimulator.Scenario.SKILLS)) dl4j.train(t);
        byte[] state = LearnerCodec.encode(dl4j);
        // when it is continued on the fast engine
        Learner fast = LearnerCodec.decode(state, "fast");
        // then it is the same learner, byte for byte, with the same fingerprint
        assertThat(fast.config().engine()).isEqualTo("fast");
        assertThat(LearnerCodec.encode(fast)).isEqualTo(state);
        assertThat(fast.fingerprint()).isEqualTo(dl4j.fingerprint());
    }

    static Stream<Arguments> tradesTheFloatNetworkCannotLearnFrom() {
        Map<String, Vote> normal = votes("TradingAgent", new Vote(Direction.LONG, 0.8, 10));
        return Stream.of("fast", "dl4j").flatMap(engine -> Stream.of(
                // passes the validator (1e20 is a finite float), but its squared error overflows
                arguments(engine, trade("tiny-entry", "BUY", 1e-20, 1, normal)),
                // not validated: a return and a position size that are infinite as floats
                arguments(engine, trade("huge-return", "BUY", 1e-39, 1, normal)),
                arguments(engine, trade("huge-size", "BUY", 100, 101, votes("TradingAgent", new Vote(Direction.LONG, 0.8, 1e39))))));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("tradesTheFloatNetworkCannotLearnFrom")
    void aStepThatWouldPoisonTheModelIsRejectedAndChangesNothing(String engine, Trade poison) {
        // given a learner part way through a stream, and a twin that will never see the bad trade
        List<Trade> trades = SimulatedTrades.of(21, 4, TradeSimulator.Scenario.SKILLS);
        var config = LearnerConfig.defaults().withEngine(engine);
        var learner = Learner.create(config);
        var twin = Learner.create(config);
        for (Trade t : trades.subList(0, 20)) {
            learner.train(t);
            twin.train(t);
        }
        byte[] before = LearnerCodec.encode(learner);
        // when
        var e = catchThrowableOfType(InvalidTradeException.class, () -> learner.train(poison));
        // then it is refused, nothing changed, and learning goes on as if the trade had never come
        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(Rejection.NON_FINITE_VALUE);
        assertThat(LearnerCodec.encode(learner)).isEqualTo(before);
        assertThat(learner.train(trades.get(20))).isEqualTo(twin.train(trades.get(20)));
        assertThat(learner.fingerprint()).isEqualTo(twin.fingerprint());
    }

    @Test
    void invalidConfigNamesTheFieldAndTheAllowedValues() {
        // given / when / then
        assertThatThrownBy(() -> LearnerConfig.defaults().withEngine("gpu"))
                .hasMessage("engine: 'gpu' is not one of fast, dl4j");
        assertThatThrownBy(() -> LearnerConfig.defaults().withRule("ema"))
                .hasMessage("rule: 'ema' is not one of seed-ema, hedge, linear");
        assertThatThrownBy(() -> LearnerConfig.defaults().withRoster(List.of("A", "A")))
                .hasMessageStartingWith("roster:");
        assertThatThrownBy(() -> LearnerConfig.defaults().withHedgeRate(0))
                .hasMessageStartingWith("hedgeRate:");
        assertThatThrownBy(() -> LearnerConfig.defaults().withWindow(1))
                .hasMessageStartingWith("window:");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"fast", "dl4j"})
    void scoringBetweenStepsLeavesEveryStepAsWithoutScoring(String engine) {
        // given two learners of one config, on the same trades; one scores the next decision before each step
        LearnerConfig config = LearnerConfig.defaults().withEngine(engine);
        Learner scoring = Learner.create(config), plain = Learner.create(config);
        TradeSimulator trades = new TradeSimulator(config.roster(), 5, TradeSimulator.Scenario.SKILLS, 200);

        for (int i = 0; i < 200; i++) {
            Trade t = FeedbackJson.parse(trades.next());
            String before = plain.fingerprint();
            // when
            VoteScore score = scoring.score(t.votes());
            StepResult step = scoring.train(t);
            plain.train(t);

            // then: the score is the model before the step (its step, its state, its eval-mode prediction)
            assertThat(score.step()).isEqualTo(i);
            assertThat(score.fingerprint()).isEqualTo(before);
            assertThat(score.predictedReturn()).isEqualTo((double) step.predictedReturn());
            assertThat(scoring.fingerprint()).isEqualTo(plain.fingerprint());
        }
    }
}
