package io.pim.metalearner.stream;

import io.pim.metalearner.kafka.AvroTrades;
import io.pim.metalearner.testing.TopologyFixture;
import io.pim.metalearner.testing.Trades;
import io.pim.metalearner.avro.DecisionScore;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.Direction;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.score.RecentScores;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.testing.RegistryExtension;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Decisions scored at vote time, through the whole topology on TopologyTestDriver: every valid
 * vote is scored by its model between two steps, the score says which, and scoring never changes
 * what the model learns.
 */
@ExtendWith(RegistryExtension.class)
class DecisionScoresTopologyTest {
    private static EmbeddedRegistry registry;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void sharedRegistry(EmbeddedRegistry shared) {
        registry = shared;
    }

    /** Votes that differ from decision to decision, so predictions and committee scores do too. */
    static DecisionVotes votes(int i) {
        DecisionVotes v = Trades.votes("d-" + i);
        v.getAgentVotes().put("TradingAgent", Trades.vote(i % 3 == 0 ? Direction.SHORT : Direction.LONG, (i % 10) / 10.0, i % 7));
        v.getAgentVotes().put("MacroAgent", Trades.vote(i % 2 == 0 ? Direction.LONG : Direction.SHORT, 0.3 + (i % 5) / 10.0, 2));
        return v;
    }

    static TradeClosed close(int i) {
        return Trades.close("d-" + i, 100, 100 + (i * 37 % 11) - 5);
    }

    @Test
    void eachValidVoteIsScoredAfterTheStepsBeforeItAndBeforeItsOwnStep() {
        try (TopologyFixture fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir))) {
            // given: votes run 5 decisions ahead of their closes, as a committee's would
            var votesIn = fixture.input(fixture.topics().decisionVotes());
            var closesIn = fixture.input(fixture.topics().tradeClosed());
            TestOutputTopic<String, DecisionScore> scores = fixture.output(fixture.topics().decisionScores());
            TestOutputTopic<String, WeightsUpdated> weights = fixture.output(fixture.topics().weightsUpdated());
            int n = 30, lead = 5;

            // when
            for (int i = 1; i <= n + lead; i++) {
                if (i <= n) votesIn.pipeInput("d-" + i, votes(i));
                if (i > lead) closesIn.pipeInput("d-" + (i - lead), close(i - lead));
            }

            // then: one score per decision, keyed by it, computed after exactly the steps trained before its votes
            List<DecisionScore> scored = new ArrayList<>();
            scores.readKeyValuesToList().forEach(kv -> {
                assertThat(kv.key).isEqualTo(kv.value.getDecisionId());
                scored.add(kv.value);
            });
            assertThat(scored).extracting(DecisionScore::getDecisionId)
                    .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, n).mapToObj(i -> "d-" + i).toList());
            List<WeightsUpdated> steps = weights.readValuesToList();
            assertThat(steps).hasSize(n);
            for (int i = 1; i <= n; i++) {
                DecisionScore s = scored.get(i - 1);
                long before = Math.max(0, i - 1 - lead); // the closes piped before these votes
                assertThat(s.getTrainingStep()).as("step of the score of d-%d", i).isEqualTo(before);
                // the state that scored is the state of that step's weights-updated, and the score precedes d-i's own step
                String expected = before == 0 ? Learner.create(fixture.config().learner()).fingerprint()
                        : steps.get((int) before - 1).getFingerprint();
                assertThat(s.getFingerprint()).isEqualTo(expected);
                assertThat(s.getTrainingStep()).isLessThan(stepOf(steps, "d-" + i));
                assertThat(s.getModelId()).isEqualTo("default");
                assertThat(s.getSymbol()).isEqualTo("AAPL");
            }
            assertThat(fixture.counts().scored()).isEqualTo(n);
            assertThat(fixture.counts().reconciles()).isTrue();
        }
    }

    @Test
    void theFiguresAreThoseOfTheModelAsItStoodWhenItScored() {
        try (TopologyFixture fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir))) {
            // given
            var votesIn = fixture.input(fixture.topics().decisionVotes());
            var closesIn = fixture.input(fixture.topics().tradeClosed());
            TestOutputTopic<String, DecisionScore> scores = fixture.output(fixture.topics().decisionScores());
            Learner offline = Learner.create(fixture.config().learner());
            List<VoteScore> expected = new ArrayList<>();

            // when: each decision's votes, then its close; offline, the same learner scores then trains
            for (int i = 1; i <= 20; i++) {
                votesIn.pipeInput("d-" + i, votes(i));
                expected.add(offline.score(AvroTrades.votes(votes(i))));
                closesIn.pipeInput("d-" + i, close(i));
                offline.train(AvroTrades.trade(votes(i), close(i)));
            }

            // then: the same prediction (eval mode), committee scores, step and fingerprint
            List<DecisionScore> scored = scores.readValuesToList();
            assertThat(scored).hasSize(20);
            for (int i = 0; i < 20; i++) {
                DecisionScore s = scored.get(i);
                VoteScore e = expected.get(i);
                assertThat(s.getPredictedReturn()).isEqualTo(e.predictedReturn());
                assertThat(s.getPredictedReturn()).isEqualTo((double) offlinePredictionAt(i, fixture));
                assertThat(s.getCommitteeScoreLearned()).isEqualTo(e.committeeLearned());
                assertThat(s.getCommitteeScoreUniform()).isEqualTo(e.committeeUniform());
                assertThat(s.getTrainingStep()).isEqualTo(i);
                assertThat(s.getFingerprint()).isEqualTo(e.fingerprint());
            }
            // the uniform score is the plain Σ direction·confidence of the roster agents that voted
            DecisionVotes first = votes(1);
            double uniform = 0;
            for (var v : first.getAgentVotes().values()) {
                int sign = switch (v.getDirection()) { case LONG -> 1; case SHORT -> -1; default -> 0; };
                uniform += sign * v.getConfidence();
            }
            assertThat(scored.get(0).getCommitteeScoreUniform()).isCloseTo(uniform, org.assertj.core.data.Offset.offset(1e-12));
            // at step 0 every weight is 1: learned and uniform agree
            assertThat(scored.get(0).getCommitteeScoreLearned()).isEqualTo(scored.get(0).getCommitteeScoreUniform());
        }
    }

    /** The learner's eval-mode prediction for decision i+1 after i offline steps, computed afresh. */
    private static float offlinePredictionAt(int steps, TopologyFixture fixture) {
        Learner l = Learner.create(fixture.config().learner());
        for (int i = 1; i <= steps; i++) l.train(AvroTrades.trade(votes(i), close(i)));
        return l.predict(AvroTrades.votes(votes(steps + 1)));
    }

    @Test
    void scoringLeavesEveryStepAsTrainingWithoutScoringWould() {
        // given: the same trades, once through the join (votes scored between the steps) and once
        // straight onto the training topic as joined pairs (nothing to score)
        int n = 60, lead = 7;
        List<WeightsUpdated> withScoring;
        List<TrainingExample> order;
        io.pim.metalearner.learn.LearnerConfig learnerConfig;
        try (TopologyFixture fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir.resolve("with")))) {
            learnerConfig = fixture.config().learner();
            var votesIn = fixture.input(fixture.topics().decisionVotes());
            var closesIn = fixture.input(fixture.topics().tradeClosed());
            for (int i = 1; i <= n + lead; i++) {
                if (i <= n) votesIn.pipeInput("d-" + i, votes(i));
                if (i > lead) closesIn.pipeInput("d-" + (i - lead), close(i - lead));
            }
            withScoring = fixture.output(fixture.topics().weightsUpdated()).readValuesToList();
            order = fixture.output(fixture.topics().trainingRecords()).readValuesToList().stream()
                    .filter(r -> r instanceof TrainingExample).map(r -> (TrainingExample) r).toList();
            assertThat(fixture.output(fixture.topics().decisionScores()).getQueueSize()).isEqualTo(n);
        }
        List<WeightsUpdated> withoutScoring;
        try (TopologyFixture fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir.resolve("without")))) {
            var training = fixture.input(fixture.topics().training());

            // when
            for (TrainingExample e : order) training.pipeInput(e.getModelId(), e);
            withoutScoring = fixture.output(fixture.topics().weightsUpdated()).readValuesToList();
            assertThat(fixture.output(fixture.topics().decisionScores()).isEmpty()).isTrue();
        }

        // then: step by step the same state, and the same as the offline learner
        assertThat(withScoring).hasSize(n);
        assertThat(withScoring).extracting(WeightsUpdated::getFingerprint)
                .containsExactlyElementsOf(withoutScoring.stream().map(WeightsUpdated::getFingerprint).toList());
        Learner offline = Learner.create(learnerConfig);
        for (TrainingExample e : order) offline.train(AvroTrades.trade(e.getVotes(), e.getTrade()));
        assertThat(withScoring.get(n - 1).getFingerprint()).isEqualTo(offline.fingerprint());
    }

    @Test
    void aModelNeverTrainedScoresWithAFreshLearnerAndStaysUntrained() {
        try (TopologyFixture fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir))) {
            // given
            DecisionVotes v = votes(1);
            v.setModelId("brand-new");

            // when
            fixture.input(fixture.topics().decisionVotes()).pipeInput("d-1", v);

            // then
            DecisionScore s = fixture.output(fixture.topics().decisionScores()).readValue();
            Learner fresh = Learner.create(fixture.config().learner());
            assertThat(s.getModelId()).isEqualTo("brand-new");
            assertThat(s.getTrainingStep()).isZero();
            assertThat(s.getFingerprint()).isEqualTo(fresh.fingerprint());
            assertThat(s.getPredictedReturn()).isEqualTo((double) fresh.predict(AvroTrades.votes(v)));
            assertThat(fixture.<String, byte[]>store(LearningTopology.LEARNER_STORE).get("brand-new")).isNull();
        }
    }

    @Test
    void rejectedAndRepeatedVotesAreNotScored() {
        try (TopologyFixture fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir))) {
            // given
            var votesIn = fixture.input(fixture.topics().decisionVotes());
            DecisionVotes bad = votes(2);
            bad.getAgentVotes().put("RiskAgent", Trades.vote(Direction.UNKNOWN, 0.5, 1));

            // when
            votesIn.pipeInput("d-1", votes(1));
            votesIn.pipeInput("d-1", votes(1));
            votesIn.pipeInput("d-2", bad);

            // then
            assertThat(fixture.output(fixture.topics().decisionScores()).readValuesToList())
                    .extracting(DecisionScore::getDecisionId).containsExactly("d-1");
            assertThat(fixture.counts().deadLettered()).containsEntry("duplicate", 1L).containsEntry("unknown-direction", 1L);
            assertThat(fixture.counts().reconciles()).isTrue();
        }
    }

    @Test
    void theModelWatchKeepsRecentScoresAndSettlesThemWhenTheirTradesTrain() {
        try (TopologyFixture fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir))) {
            // given
            var votesIn = fixture.input(fixture.topics().decisionVotes());
            var closesIn = fixture.input(fixture.topics().tradeClosed());

            // when: three decisions scored, two of them closed
            for (int i = 1; i <= 3; i++) votesIn.pipeInput("d-" + i, votes(i));
            closesIn.pipeInput("d-1", close(1));
            closesIn.pipeInput("d-2", close(2));

            // then
            List<RecentScores.Entry> recent = fixture.watch("default").scores().entries();
            Map<String, RecentScores.Entry> byId = new TreeMap<>();
            recent.forEach(e -> byId.put(e.decisionId(), e));
            assertThat(byId).containsOnlyKeys("d-1", "d-2", "d-3");
            assertThat(byId.get("d-1").trainedAtStep()).isEqualTo(1);
            assertThat(byId.get("d-1").actualReturn()).isEqualTo(AvroTrades.trade(votes(1), close(1)).targetReturn());
            assertThat(byId.get("d-2").trainedAtStep()).isEqualTo(2);
            assertThat(byId.get("d-3").closed()).isFalse();
            assertThat(byId.get("d-3").actualReturn()).isNaN();
        }
    }

    private static long stepOf(List<WeightsUpdated> steps, String decisionId) {
        return steps.stream().filter(s -> s.getDecisionId().equals(decisionId)).findFirst().orElseThrow().getTrainingStep();
    }
}
