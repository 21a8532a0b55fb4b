package io.pim.metalearner.learn;

import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.testing.SimulatedTrades;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LearnerCodecTest {

    @Test
    void stoppingAndResumingMidStreamChangesNothing() {
        // given 1000 trades, learned in one go
        List<Trade> trades = SimulatedTrades.of(1000, 11, TradeSimulator.Scenario.SWITCH);
        // a window that does not divide 500, so the ring's position matters too
        var config = LearnerConfig.defaults().withRule("hedge").withWindow(30);
        var uninterrupted = Learner.create(config);
        List<StepResult> expected = new ArrayList<>();
        for (Trade t : trades) expected.add(uninterrupted.train(t));
        // when another learner is encoded at step 500 and a decoded copy does the rest
        var first = Learner.create(config);
        trades.subList(0, 500).forEach(first::train);
        Learner resumed = LearnerCodec.decode(LearnerCodec.encode(first));
        List<StepResult> after = new ArrayList<>();
        for (Trade t : trades.subList(500, 1000)) after.add(resumed.train(t));
        // then
        assertThat(resumed.fingerprint()).isEqualTo(uninterrupted.fingerprint());
        assertThat(after).isEqualTo(expected.subList(500, 1000));
        assertThat(resumed.config()).isEqualTo(config);
    }

    @Test
    void nineAgentStateIsAbout47Kilobytes() {
        // given 3,905 parameters × (param, m, v) × 4 bytes = 46,860 bytes plus the rest
        var learner = Learner.create(LearnerConfig.defaults());
        // when
        byte[] bytes = LearnerCodec.encode(learner);
        // then
        assertThat(learner.adamState().params()).hasSize(3905);
        assertThat(bytes.length).isBetween(46_860, 48_500);
    }

    @Test
    void unknownVersionIsRefusedWithAClearMessage() {
        // given a state whose version field says 99
        byte[] bytes = LearnerCodec.encode(Learner.create(LearnerConfig.defaults()));
        ByteBuffer.wrap(bytes).putInt(4, 99);
        // when / then
        assertThatThrownBy(() -> LearnerCodec.decode(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version 99").hasMessageContaining("reads version " + LearnerCodec.VERSION);
    }

    @Test
    void bytesThatAreNotAStateAreRefused() {
        // given / when / then
        assertThatThrownBy(() -> LearnerCodec.decode("hello, world".getBytes()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("magic");
        byte[] truncated = java.util.Arrays.copyOf(LearnerCodec.encode(Learner.create(LearnerConfig.defaults())), 1000);
        assertThatThrownBy(() -> LearnerCodec.decode(truncated))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    }
}
