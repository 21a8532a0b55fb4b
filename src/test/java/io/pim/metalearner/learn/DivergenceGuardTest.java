package io.pim.metalearner.learn;

import io.pim.metalearner.learn.rule.WeightRule;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.trade.Direction;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.Vote;
import io.pim.metalearner.testing.SimulatedTrades;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DivergenceGuardTest {
    private static final List<Trade> TRADES = SimulatedTrades.of(120, 5, TradeSimulator.Scenario.SKILLS);

    private static Learner ridge(String spec, List<Trade> trades) {
        var learner = Learner.create(LearnerSpec.parse(spec).applyTo(LearnerConfig.defaults()));
        trades.forEach(learner::train);
        return learner;
    }

    /** A ridge model's state (w, then P) with the given bias coefficient and every other number {@code fill}. */
    private static void force(Learner learner, double fill, double bias) {
        int size = learner.variant.stateSize() / 8, d = (int) Math.round((Math.sqrt(1 + 4.0 * size) - 1) / 2);
        double[] state = new double[size];
        Arrays.fill(state, fill);
        state[d - 1] = bias;
        ByteBuffer bytes = ByteBuffer.allocate(8 * size);
        for (double v : state) bytes.putDouble(v);
        learner.variant.decode(bytes.flip());
    }

    @Test
    void aLearnerWithNonFiniteParametersIsDivergedAbstainsAndLearnsNothingMore() {
        // given a ridge learner part way through a stream whose parameters were made non-finite
        var learner = ridge("ridge", TRADES.subList(0, 60));
        force(learner, Double.NaN, Double.NaN);
        // when it is offered the next trades
        StepResult first = learner.train(TRADES.get(60));
        byte[] modelAfterFirst = modelState(learner);
        learner.train(TRADES.get(61));
        // then it is diverged from that step on: no view, uniform weights, the model frozen
        assertThat(learner.diverged()).isTrue();
        assertThat(learner.divergedAt()).isEqualTo(61);
        assertThat(learner.divergence()).isEqualTo("its parameters are not finite");
        assertThat(first.predictedReturn()).isZero();
        assertThat(first.agentWeights().values()).containsOnly(WeightRule.INITIAL);
        assertThat(learner.step()).isEqualTo(62);
        assertThat(modelState(learner)).isEqualTo(modelAfterFirst);
        assertThat(learner.score(TRADES.get(62)).predictedReturn()).isZero();
        assertThat(learner.metrics().rollingR2()).isNotNull().isFinite();
    }

    @ParameterizedTest(name = "bias {0}")
    @CsvSource({"1.5", "-1e6"})
    void aPredictionFarOutsideAnyReturnSeenIsDivergence(double bias) {
        // given a ridge learner whose coefficients were pushed to predict a return far beyond any it saw
        var learner = ridge("ridge-tracking", TRADES.subList(0, 60));
        double bound = learner.predictionBound();
        force(learner, 0, bias);
        assertThat(Math.abs(bias)).isGreaterThan(bound);
        // when
        StepResult step = learner.train(TRADES.get(60));
        // then
        assertThat(learner.diverged()).isTrue();
        assertThat(learner.divergence()).startsWith("its prediction").contains("is beyond ±");
        assertThat(step.predictedReturn()).isZero();
    }

    @Test
    void aHealthyLearnerIsNotDivergedAndKeepsItsLayout() {
        // given / when
        var learner = ridge("ridge-tracking", TRADES);
        // then
        assertThat(learner.diverged()).isFalse();
        assertThat(ByteBuffer.wrap(LearnerCodec.encode(learner)).getInt(4)).isEqualTo(LearnerCodec.VARIANT_VERSION);
    }

    @Test
    void aDivergedLearnerDecodesAsDivergedAndResumesExactly() {
        // given a diverged learner and its state
        var learner = ridge("ridge", TRADES.subList(0, 60));
        force(learner, Double.NaN, Double.NaN);
        learner.train(TRADES.get(60));
        byte[] state = LearnerCodec.encode(learner);
        // when
        Learner decoded = LearnerCodec.decode(state);
        // then it is version 5 around the variant's layout, and stays diverged
        assertThat(ByteBuffer.wrap(state).getInt(4)).isEqualTo(LearnerCodec.DIVERGED_VERSION);
        assertThat(decoded.divergedAt()).isEqualTo(61);
        assertThat(decoded.divergence()).isEqualTo(learner.divergence());
        assertThat(decoded.fingerprint()).isEqualTo(learner.fingerprint());
        assertThat(decoded.train(TRADES.get(61))).isEqualTo(learner.train(TRADES.get(61)));
        assertThat(decoded.fingerprint()).isEqualTo(learner.fingerprint());
    }

    private static byte[] modelState(Learner learner) {
        ByteBuffer out = ByteBuffer.allocate(learner.variant.stateSize());
        learner.variant.encode(out);
        return out.array();
    }

    @Test
    void ridgeTrackingOnTwoAgentsWhoAlwaysAgreeStaysWithinTheReturnsItSaw() {
        // given ridge-tracking on thousands of trades where two agents always vote alike (the
        // direction that tells them apart is never excited), then a trade where they barely differ
        var learner = Learner.create(LearnerSpec.parse("ridge-tracking").applyTo(LearnerConfig.defaults()));
        for (int i = 0; i < 6000; i++) {
            double move = (i % 2 == 0 ? 1 : -1) * 0.01;
            learner.train(new Trade("t" + i, "AAPL", "BUY", 100, 100 * (1 + move), Map.of(
                    "TradingAgent", new Vote(Direction.LONG, 0.8, 1), "TechnicalAgent", new Vote(Direction.LONG, 0.8, 1))));
        }
        learner.train(new Trade("nudge", "AAPL", "BUY", 100, 103, Map.of(
                "TradingAgent", new Vote(Direction.LONG, 0.8, 1), "TechnicalAgent", new Vote(Direction.LONG, 0.79, 1))));
        // when it predicts for a trade where only one of them votes
        float alone = learner.predict(Map.of("TechnicalAgent", new Vote(Direction.LONG, 0.8, 1)));
        // then the prediction is of the order of the returns it learned, and the guard had no cause to act
        assertThat(learner.diverged()).isFalse();
        assertThat(Math.abs(alone)).isLessThan(0.1f); // with unbounded forgetting: 0.80, an 80% return
    }
}
