package io.pim.metalearner.learn;

import io.pim.metalearner.learn.net.Rng;
import io.pim.metalearner.learn.predict.EnsembleModel;
import io.pim.metalearner.learn.rule.WeightRule;
import io.pim.metalearner.learn.score.AgentStats;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.Vote;
import io.pim.metalearner.testing.SimulatedTrades;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LearnerVariantsTest {
    private static final List<Trade> TRADES = SimulatedTrades.of(600, 11, TradeSimulator.Scenario.SKILLS);

    private static Learner variant(String spec) {
        return Learner.create(LearnerSpec.parse(spec).applyTo(LearnerConfig.defaults()));
    }

    private static Learner trained(Learner learner, List<Trade> trades) {
        trades.forEach(learner::train);
        return learner;
    }

    @Test
    void theOriginalSpecIsTheOriginalLearnerByteForByte() {
        // given the default learner and the one the spec 'original' makes
        var plain = Learner.create(LearnerConfig.defaults());
        var spelled = variant("original");
        // when both learn the same trades
        trained(plain, TRADES);
        trained(spelled, TRADES);
        // then they are the same learner, in the original layout (version 2)
        assertThat(spelled.config()).isEqualTo(plain.config());
        byte[] state = LearnerCodec.encode(spelled);
        assertThat(state).isEqualTo(LearnerCodec.encode(plain));
        assertThat(ByteBuffer.wrap(state).getInt(4)).isEqualTo(LearnerCodec.VERSION);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ridge", "ridge-tracking", "net", "net-batch8", "ensemble", "seed-net+linear",
            "ridge(features=votes)+hedge(eta=0.5)", "net(hidden=8x8x8,dropout=0.3,batch=3,features=votes)+seed-ema"})
    void everyVariantGivesTheSameStateForTheSameTradesAndResumesExactly(String spec) {
        // given two learners of the variant, and a third stopped half-way and decoded from its state
        var first = trained(variant(spec), TRADES);
        var second = trained(variant(spec), TRADES);
        var half = trained(variant(spec), TRADES.subList(0, 301)); // mid-batch for batch sizes 3 and 8
        byte[] halfState = LearnerCodec.encode(half);
        var resumed = trained(LearnerCodec.decode(halfState), TRADES.subList(301, TRADES.size()));
        // then all three are byte-identical, in the variant layout
        assertThat(second.fingerprint()).isEqualTo(first.fingerprint());
        assertThat(resumed.fingerprint()).isEqualTo(first.fingerprint());
        assertThat(ByteBuffer.wrap(halfState).getInt(4)).isEqualTo(LearnerCodec.VARIANT_VERSION);
        assertThat(resumed.config().spec()).isEqualTo(first.config().spec());
    }

    @Test
    void aCandidateLearningBesideTheOriginalChangesNothingOfIt() {
        // given the original alone, and the original with three candidates learning each trade after it
        var alone = Learner.create(LearnerConfig.defaults());
        var withCandidates = Learner.create(LearnerConfig.defaults());
        List<Learner> candidates = List.of(variant("ridge"), variant("ensemble"), variant("net-batch8"));
        // when
        for (Trade t : TRADES) {
            alone.train(t);
            withCandidates.train(t);
            candidates.forEach(c -> c.train(t));
        }
        // then
        assertThat(withCandidates.fingerprint()).isEqualTo(alone.fingerprint());
    }

    @Test
    void sideRelativeRidgeLearnsTheDeskAndTheLinearRuleBeatsUniformWeights() {
        // given 5,000 trades of a desk whose agents have fixed hidden skills
        List<Trade> trades = SimulatedTrades.of(5000, 3, TradeSimulator.Scenario.SKILLS);
        // when the ridge preset and the original learn them
        var ridge = trained(variant("ridge"), trades);
        var original = trained(Learner.create(LearnerConfig.defaults()), trades);
        // then the ridge explains much of the variance, more than the original, and its committee earns more
        Metrics m = ridge.metrics();
        assertThat(m.rollingR2()).isNotNull();
        assertThat(ridge.metrics().rollingLoss()).isLessThan(original.metrics().rollingLoss());
        assertThat(m.committeePnlLearned()).isGreaterThan(1.1 * m.committeePnlUniform());
        Map<String, AgentStats> stats = ridge.agentStats();
        String best = stats.entrySet().stream().max(Map.Entry.comparingByValue(
                java.util.Comparator.comparingDouble(AgentStats::avgProfitContribution))).orElseThrow().getKey();
        assertThat(ridge.weights().get(best)).isEqualTo(WeightRule.MAX);
    }

    @Test
    void aMiniBatchTakesOneStepPerKTrades() {
        // given a network that steps every 4 trades
        var learner = variant("net(batch=4,dropout=0)");
        Map<String, Vote> probe = TRADES.get(0).votes();
        float initial = learner.predict(probe);
        // when it learns 3 trades, then a 4th
        trained(learner, TRADES.subList(0, 3));
        float afterThree = learner.predict(probe);
        learner.train(TRADES.get(3));
        // then nothing moved until the 4th
        assertThat(afterThree).isEqualTo(initial);
        assertThat(learner.predict(probe)).isNotEqualTo(initial);
    }

    @Test
    void aSpecNamesEveryParameterAndPresetsAreVersioned() {
        // when
        LearnerConfig ridge = LearnerSpec.parse("ridge@1").applyTo(LearnerConfig.defaults());
        LearnerConfig net = LearnerSpec.parse("net(hidden=32X16, lr=0.003)+hedge(eta=0.5)").applyTo(LearnerConfig.defaults());
        // then
        assertThat(ridge.spec()).isEqualTo("ridge(features=side,forget=1,delta=1)+linear(forget=1)");
        assertThat(net.spec()).isEqualTo("net(features=side,hidden=32x16,lr=0.003,dropout=0.2,batch=1)+hedge(eta=0.5)");
        assertThat(LearnerSpec.parseList("default, net(hidden=8x4,batch=2)").stream().map(LearnerSpec::name))
                .containsExactly("ridge", "ridge-tracking", "net-batch8", "net(hidden=8x4,batch=2)");
        assertThatThrownBy(() -> LearnerSpec.parse("ridge@2")).hasMessageContaining("version '2'");
        assertThatThrownBy(() -> LearnerSpec.parse("ridge(lr=0.1)").applyTo(LearnerConfig.defaults()))
                .hasMessage("model: ridge has no parameter 'lr'; it takes delta, features, forget");
        assertThatThrownBy(() -> LearnerSpec.parse("seed-net(lr=0.1)").applyTo(LearnerConfig.defaults()))
                .hasMessageContaining("the original network is fixed");
        assertThatThrownBy(() -> LearnerSpec.parse("net(batch=0)").applyTo(LearnerConfig.defaults()))
                .hasMessageContaining("batch must be 1 to 100000");
    }

    @Test
    void anEnsemblesMembersDrawFromTheirOwnStreams() {
        // SplitMix64 streams of neighbouring seeds are shifted copies: members must not share one
        var a = new Rng(EnsembleModel.memberSeed(42, 0));
        var b = new Rng(EnsembleModel.memberSeed(42, 1));
        long firstOfB = b.nextLong();
        for (int i = 0; i < 1000; i++) assertThat(a.nextLong()).isNotEqualTo(firstOfB);
    }

    /**
     * The fingerprints {@code bin/metalearner simulate --trades 3000 --seed 7 | learn --spec ...}
     * reported before RLS forgetting was bounded and the divergence guard was added: on a
     * well-excited desk neither may change a bit.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
            "original, bc2b6b70c43e9ffe583b3c9955d89c041bb374230f022d64ebadbe86b7b263be",
            "ridge, d8fada9568b0773b47ce774bd6649c6699177cbb535de815511ff20dcc744fe6",
            "ridge-tracking, 84f2242ff347830a0d75afbae83a35845759cc638e140ea86d829167dbcb412e"})
    void theBoundAndTheGuardDoNotBindOnAWellExcitedDesk(String spec, String recorded) {
        // given / when
        var learner = trained(variant(spec), SimulatedTrades.of(3000, 7, TradeSimulator.Scenario.SKILLS));
        // then
        assertThat(learner.diverged()).isFalse();
        assertThat(learner.fingerprint()).isEqualTo(recorded);
    }
}
