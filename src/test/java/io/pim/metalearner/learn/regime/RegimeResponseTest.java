package io.pim.metalearner.learn.regime;

import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.net.AdamState;
import io.pim.metalearner.learn.net.FastEngine;
import io.pim.metalearner.learn.net.Network;
import io.pim.metalearner.learn.net.Rng;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.testing.SimulatedTrades;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.alert.AlertMonitor;
import io.pim.metalearner.learn.alert.AlertType;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The regime response: fired by the drift alert's detector, doing what it says, kept in the state, and absent by default. */
class RegimeResponseTest {
    private static final int BOOST_STEPS = 20;
    private static final double FACTOR = 3;
    private static final RegimeResponse RESET_AND_BOOST = RegimeResponse.of(List.of("reset-moments", "boost"), FACTOR,
            BOOST_STEPS, RegimeResponse.Drift.of(AlertConfig.defaults()));

    /**
     * A market that turns violent at trade 301: moves of ±0.5 % before, ±15 % after, so the
     * prequential squared error jumps about a thousandfold and the drift alert (default
     * parameters) fires soon after.
     */
    private static List<Trade> calmThenViolent(int n) {
        Rng rng = new Rng(7);
        List<Trade> trades = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            double scale = i <= 300 ? 0.005 : 0.15;
            double move = scale * (2 * rng.nextDouble() - 1);
            String direction = rng.nextDouble() < 0.5 ? "LONG" : "SHORT";
            trades.add(FeedbackJson.parse(String.format(Locale.ROOT, "{\"decision_id\":\"d-%d\",\"workflow_id\":\"wf\","
                    + "\"symbol\":\"AAPL\",\"action\":\"BUY\",\"entry_price\":100.0,\"exit_price\":%.6f,"
                    + "\"actual_profit\":0,\"hold_duration\":1,\"agent_votes\":{\"TradingAgent\":{\"direction\":\"%s\","
                    + "\"confidence\":%.2f,\"position_size\":1.0}}}", i, 100 * (1 + move), direction, 0.5 + 0.4 * rng.nextDouble())));
        }
        return trades;
    }

    @Test
    void theResponseFiresWhereTheDriftAlertIsRaisedAndZeroesTheOptimisersMoments() {
        // given a learner with a response and, beside it, the alert detectors the service runs
        Learner learner = Learner.create(LearnerConfig.defaults().withResponse(RESET_AND_BOOST));
        AlertMonitor alerts = new AlertMonitor(AlertConfig.defaults());
        List<Long> raised = new ArrayList<>(), responded = new ArrayList<>();
        boolean momentsZeroedEachTime = true;
        // when
        for (Trade trade : calmThenViolent(1000)) {
            long before = learner.regimeResponses();
            StepResult r = learner.train(trade);
            double error = Math.pow(r.predictedReturn() - r.actualReturn(), 2); // what ModelMonitor feeds the alerts
            for (AlertEvent e : alerts.onStep(r.step(), error, r.rollingR2(), r.agentWeights())) {
                if (e.type() == AlertType.LOSS_DRIFT && e.raised()) raised.add(e.trainingStep());
            }
            if (learner.regimeResponses() > before) {
                responded.add(r.step());
                AdamState adam = learner.adamState();
                momentsZeroedEachTime &= allZero(adam.m()) && allZero(adam.v()) && adam.step() == 0;
            }
        }
        // then: one response per drift episode, at the very steps the alert is raised, after the market turned
        assertThat(raised).isNotEmpty();
        assertThat(raised.get(0)).isGreaterThan(300);
        assertThat(responded).isEqualTo(raised);
        assertThat(learner.lastRegimeResponse()).isEqualTo(raised.get(raised.size() - 1));
        assertThat(momentsZeroedEachTime).isTrue();
    }

    @Test
    void theBoostLastsExactlyKStepsThenTheLearningRateIsTheOriginalAgain() {
        // given
        Learner learner = Learner.create(LearnerConfig.defaults().withResponse(RESET_AND_BOOST));
        List<Double> scaleOfStep = new ArrayList<>(); // index k: the factor step k+1 trained with
        long firstResponse = -1;
        // when
        for (Trade trade : calmThenViolent(1000)) {
            scaleOfStep.add(learner.learningRateScale());
            learner.train(trade);
            if (firstResponse < 0 && learner.regimeResponses() == 1) firstResponse = learner.step();
        }
        // then: steps up to the detection at the original rate, the next K boosted, the one after restored
        int n = (int) firstResponse;
        assertThat(n).isGreaterThan(300);
        assertThat(scaleOfStep.subList(0, n)).containsOnly(1.0);
        assertThat(scaleOfStep.subList(n, n + BOOST_STEPS)).hasSize(BOOST_STEPS).containsOnly(FACTOR);
        assertThat(scaleOfStep.get(n + BOOST_STEPS)).isEqualTo(1.0);
    }

    @Test
    void aBoostedStepMovesTheParametersByTheFactor() {
        // given one state and one trade's inputs, trained once at the original rate and once boosted
        Network net = new Network(9);
        Rng rng = new Rng(3);
        AdamState start = AdamState.fresh(net.initialParams(rng));
        float[] x = new float[net.inputs];
        for (int i = 0; i < x.length; i++) x[i] = (float) (2 * rng.nextDouble() - 1);
        float[] mask1 = Network.dropoutMask(Network.HIDDEN1, rng), mask2 = Network.dropoutMask(Network.HIDDEN2, rng);
        FastEngine plain = new FastEngine(net, start), boosted = new FastEngine(net, start);
        boosted.learningRateScale((float) FACTOR);
        // when
        plain.trainStep(x, 0.05f, mask1, mask2);
        boosted.trainStep(x, 0.05f, mask1, mask2);
        // then: Adam's update is linear in the rate; the moments do not depend on it
        float[] p0 = start.params(), p1 = plain.state().params(), p3 = boosted.state().params();
        double largest = 0;
        for (int i = 0; i < p0.length; i++) {
            double step = p1[i] - p0[i];
            largest = Math.max(largest, Math.abs(step));
            assertThat((double) (p3[i] - p0[i])).isCloseTo(FACTOR * step, org.assertj.core.data.Offset.offset(1e-7));
        }
        assertThat(largest).isGreaterThan(1e-4); // the step moved something
        assertThat(boosted.state().m()).isEqualTo(plain.state().m());
        assertThat(boosted.state().v()).isEqualTo(plain.state().v());
    }

    @Test
    void aStateSavedDuringTheBoostContinuesAsIfNeverStopped() {
        // given a learner stopped 5 steps into its boost and restored from its bytes
        List<Trade> trades = calmThenViolent(1000);
        LearnerConfig config = LearnerConfig.defaults().withResponse(RESET_AND_BOOST);
        Learner uninterrupted = Learner.create(config), first = Learner.create(config);
        int stop = -1;
        for (int i = 0; i < trades.size() && stop < 0; i++) {
            first.train(trades.get(i));
            if (first.regimeResponses() == 1 && first.step() == first.lastRegimeResponse() + 5) stop = i + 1;
        }
        byte[] saved = LearnerCodec.encode(first);
        Learner resumed = LearnerCodec.decode(saved);
        // when both take the same trades
        trades.forEach(uninterrupted::train);
        trades.subList(stop, trades.size()).forEach(resumed::train);
        // then
        assertThat(ByteBuffer.wrap(saved).getInt(4)).isEqualTo(LearnerCodec.RESPONSE_VERSION);
        assertThat(LearnerCodec.encode(LearnerCodec.decode(saved))).isEqualTo(saved);
        assertThat(resumed.config()).isEqualTo(config);
        assertThat(resumed.learningRateScale()).isEqualTo(uninterrupted.learningRateScale());
        assertThat(resumed.regimeResponses()).isEqualTo(uninterrupted.regimeResponses());
        assertThat(resumed.fingerprint()).isEqualTo(uninterrupted.fingerprint());
    }

    @Test
    void aResponseChangesTheModelOnlyAfterItFires() {
        // given the same trades for a learner with and one without a response
        List<Trade> trades = calmThenViolent(1000);
        Learner with = Learner.create(LearnerConfig.defaults().withResponse(RESET_AND_BOOST));
        Learner without = Learner.create(LearnerConfig.defaults());
        // when / then: the same predictions until the response, different ones after it
        boolean sameBefore = true, differentAfter = false;
        for (Trade t : trades) {
            boolean fired = with.regimeResponses() > 0;
            float a = with.train(t).predictedReturn(), b = without.train(t).predictedReturn();
            if (!fired) sameBefore &= a == b;
            else differentAfter |= a != b;
        }
        assertThat(with.regimeResponses()).isPositive();
        assertThat(sameBefore).isTrue();
        assertThat(differentAfter).isTrue();
    }

    @Test
    void withoutAResponseTheLearnersKeepTheirBytesAndFingerprints() {
        // given 2,000 switch-scenario trades, seed 5; the fingerprints are the ones this code gave before
        // the regime response existed (commit 24be5e5), for the original, a variant and the seed's net with hedge
        record Pinned(String spec, String fingerprint) {
        }
        List<Pinned> pinned = List.of(
                new Pinned("original", "9892b984860c0a0ba08b790716a9761d6452a7c61ad4614f8182878c78465785"),
                new Pinned("net", "2b41a3237735f425cc8d31f176a397e0176f5cf3145ea8bfdd20e7dd2c959dc0"),
                new Pinned("seed-hedge", "3960780fc3deed02e33f5cb0097d5eabdae9f187295519eaae3891ebabbffc0e"));
        List<Trade> trades = SimulatedTrades.of(2000, 5, TradeSimulator.Scenario.SWITCH);
        for (Pinned p : pinned) {
            // when
            LearnerConfig config = LearnerSpec.parse(p.spec()).applyTo(LearnerConfig.defaults());
            Learner learner = Learner.create(config);
            trades.forEach(learner::train);
            // then
            assertThat(config.response()).isEqualTo(RegimeResponse.NONE);
            assertThat(learner.regimeResponses()).isZero();
            assertThat(learner.fingerprint()).as(p.spec()).isEqualTo(p.fingerprint());
            assertThat(ByteBuffer.wrap(LearnerCodec.encode(learner)).getInt(4))
                    .isEqualTo(config.isSeedLayout() ? LearnerCodec.VERSION : LearnerCodec.VARIANT_VERSION);
        }
    }

    @Test
    void aNetworkVariantRespondsAndRestoresToo() {
        // given the net preset with a response, on the violent market
        LearnerConfig config = LearnerSpec.parse("net").applyTo(LearnerConfig.defaults()).withResponse(RESET_AND_BOOST);
        Learner learner = Learner.create(config);
        List<Trade> trades = calmThenViolent(1000);
        // when
        trades.subList(0, 700).forEach(learner::train);
        Learner resumed = LearnerCodec.decode(LearnerCodec.encode(learner));
        trades.subList(700, 1000).forEach(t -> {
            learner.train(t);
            resumed.train(t);
        });
        // then
        assertThat(learner.regimeResponses()).isPositive();
        assertThat(resumed.fingerprint()).isEqualTo(learner.fingerprint());
    }

    @Test
    void badResponsesAreRefusedWithTheirReasonAndASpecDoesNotInheritOne() {
        var drift = RegimeResponse.Drift.of(AlertConfig.defaults());
        assertThatThrownBy(() -> RegimeResponse.of(List.of("panic"), 3, 10, drift))
                .hasMessageStartingWith("response: [panic] is not among none, reset-moments, boost");
        assertThatThrownBy(() -> RegimeResponse.of(List.of("boost"), 1, 10, drift))
                .hasMessageContaining("boost needs a factor other than 1");
        assertThatThrownBy(() -> LearnerSpec.parse("ridge").applyTo(LearnerConfig.defaults()).withResponse(RESET_AND_BOOST))
                .hasMessageStartingWith("response: the ridge model has no optimiser moments");
        assertThat(RegimeResponse.of(List.of("none"), 3, 10, drift)).isEqualTo(RegimeResponse.NONE);
        // a spec is its own recipe: applied to a base with a response (a live model's), it has none
        assertThat(LearnerSpec.parse("ridge").applyTo(LearnerConfig.defaults().withResponse(RESET_AND_BOOST)).response())
                .isEqualTo(RegimeResponse.NONE);
    }

    private static boolean allZero(float[] values) {
        for (float v : values) if (v != 0f) return false;
        return true;
    }
}
