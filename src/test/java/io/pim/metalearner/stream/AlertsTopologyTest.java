package io.pim.metalearner.stream;

import io.pim.metalearner.kafka.FeedbackEvents;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.testing.TopologyFixture;
import io.pim.metalearner.testing.Trades;
import static org.assertj.core.api.Assertions.assertThat;

import io.pim.metalearner.avro.AgentVote;
import io.pim.metalearner.avro.Alert;
import io.pim.metalearner.avro.AlertState;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.Direction;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.learn.alert.AlertType;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import io.pim.metalearner.testing.RegistryExtension;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alerts come out of the training step on the alerts topic, once per transition, with the state kept in its store:
 * each detector raised once on a stream built to trigger it and cleared once when the stream stops triggering it.
 * (checkpoint-failed is cleared by a restart with a larger {@code checkpoint.max-bytes}: {@code ModelCommandsIT}.)
 */
@ExtendWith(RegistryExtension.class)
class AlertsTopologyTest {
    private static final Instant START = TopologyFixture.START;
    private static EmbeddedRegistry registry;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void sharedRegistry(EmbeddedRegistry shared) {
        registry = shared;
    }

    @Test
    void aPoorR2IsRaisedOnceOnTheAlertsTopicAndKeptActiveInTheModelWatchStore() throws Exception {
        // given the service, and a simulated stream on which a fresh model predicts poorly at first
        TradeSimulator simulator = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, 3, TradeSimulator.Scenario.SKILLS, 200);
        try (TopologyFixture fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir))) {
            Topics topics = fixture.topics();
            TestInputTopic<String, DecisionVotes> votes = fixture.input(topics.decisionVotes());
            TestInputTopic<String, TradeClosed> closes = fixture.input(topics.tradeClosed());
            TestOutputTopic<String, Alert> alerts = fixture.output(topics.alerts());

            // when 120 trades are trained
            for (int i = 0; i < 120; i++) {
                FeedbackEvents.Pair pair = FeedbackEvents.parse(simulator.next(), START.plusSeconds(i));
                votes.pipeInput(pair.decisionId(), pair.votes());
                closes.pipeInput(pair.decisionId(), pair.close());
            }

            // then the low-R² alert was raised exactly once, at the first step it may be judged
            List<Alert> published = alerts.readValuesToList();
            assertThat(published).filteredOn(a -> a.getType().equals(AlertType.LOW_R2.id()))
                    .singleElement().satisfies(a -> {
                        assertThat(a.getState()).isEqualTo(AlertState.RAISED);
                        assertThat(a.getTrainingStep()).isEqualTo(AlertConfig.defaults().r2MinTrades());
                        assertThat(a.getModelId()).isEqualTo("default");
                        assertThat(a.getThreshold()).isEqualTo(0.3);
                        assertThat(a.getValue()).isLessThan(0.3);
                    });
            // and every other alert type at most raised and cleared alternately, never raised twice in a row
            for (AlertType type : AlertType.values()) {
                List<AlertState> states = published.stream().filter(a -> a.getType().equals(type.id())).map(Alert::getState).toList();
                for (int i = 0; i < states.size(); i++) {
                    assertThat(states.get(i)).isEqualTo(i % 2 == 0 ? AlertState.RAISED : AlertState.CLEARED);
                }
            }
            ModelMonitor watch = fixture.watch("default");
            assertThat(watch.alerts().active()).extracting(e -> e.type()).contains(AlertType.LOW_R2);
            assertThat(watch.curve().points()).hasSize(120);
            assertThat(watch.curve().points().get(119).step()).isEqualTo(120);
        }
    }

    @Test
    void risingLossIsRaisedOnceWhenTheReturnsGrowAndClearedOnceBothWindowsHoldTheNewLevel() {
        // given a quiet stationary stream (0.3 % moves), then a regime of 8 % moves, then quiet again
        // when it is trained
        Trained trained = train(quietLoudQuiet());

        // then raised soon after the regime starts, cleared once the previous 50-trade window is loud too
        List<Alert> episode = raisedOnceThenClearedOnce(trained, AlertType.LOSS_RISING);
        assertThat(episode.get(0).getTrainingStep()).isBetween(201L, 230L);
        assertThat(episode.get(0).getValue()).isGreaterThan(2.0);
        assertThat(episode.get(1).getTrainingStep()).isBetween(251L, 350L);
    }

    @Test
    void pageHinkleyLossDriftIsRaisedOnceOnTheNewRegimeAndClearedOnce50StepsAfterItsLastDetection() {
        // given the same quiet, loud, quiet stream
        // when it is trained
        Trained trained = train(quietLoudQuiet());

        // then
        List<Alert> episode = raisedOnceThenClearedOnce(trained, AlertType.LOSS_DRIFT);
        assertThat(episode.get(0).getTrainingStep()).isBetween(201L, 250L);
        assertThat(episode.get(0).getValue()).isGreaterThan(episode.get(0).getThreshold());
        assertThat(episode.get(1).getTrainingStep()).isGreaterThanOrEqualTo(episode.get(0).getTrainingStep() + 50);
    }

    @Test
    void lowR2IsRaisedOnceWhileReturnsAreNoiseAndClearedOnceTheyFollowTheVotes() {
        // given 100 trades whose returns are noise, then 300 whose return is the TradingAgent's call × confidence × 5 %
        Random random = new Random(2);
        List<TrainingExample> trades = new ArrayList<>();
        for (int k = 0; k < 400; k++) {
            double confidence = 0.3 + 0.7 * random.nextDouble();
            boolean up = random.nextBoolean();
            double move = k < 100 ? 0.03 * random.nextGaussian() : (up ? 1 : -1) * confidence * 0.05;
            trades.add(example(k, Map.of("TradingAgent", Trades.vote(up ? Direction.LONG : Direction.SHORT, confidence, 1.0)), move));
        }

        // when
        Trained trained = train(trades);

        // then raised at the first step it may be judged, cleared once the model has learned the relation
        List<Alert> episode = raisedOnceThenClearedOnce(trained, AlertType.LOW_R2);
        assertThat(episode.get(0).getTrainingStep()).isEqualTo(AlertConfig.defaults().r2MinTrades());
        assertThat(episode.get(1).getTrainingStep()).isBetween(101L, 400L);
        assertThat(episode.get(1).getValue()).isGreaterThanOrEqualTo(0.35);
    }

    @Test
    void collapsedWeightsAreRaisedOnceWhileEveryAgentVotesAlikeAndClearedOnceTheyDisagree() {
        // given 110 trades on which all nine agents vote NEUTRAL (so every weight stays 1.0), then 20 on which
        // half of them call the move right and half wrong
        List<String> roster = LearnerConfig.DEFAULT_ROSTER;
        List<TrainingExample> trades = new ArrayList<>();
        for (int k = 0; k < 130; k++) {
            Map<String, AgentVote> votes = new LinkedHashMap<>();
            for (int i = 0; i < roster.size(); i++) {
                Direction d = k < 110 ? Direction.NEUTRAL : i % 2 == 0 ? Direction.LONG : Direction.SHORT;
                votes.put(roster.get(i), Trades.vote(d, 0.8, 1.0));
            }
            trades.add(example(k, votes, 0.03));
        }

        // when
        Trained trained = train(trades);

        // then raised at the first step it may be judged (100), cleared on the first trade that separates them
        List<Alert> episode = raisedOnceThenClearedOnce(trained, AlertType.WEIGHTS_COLLAPSED);
        assertThat(episode).extracting(Alert::getTrainingStep).containsExactly(100L, 111L);
        assertThat(episode.get(0).getValue()).isZero();
    }

    /** 200 trades with 0.3 % moves, 150 with 8 %, 200 with 0.3 % again; the votes carry no information. */
    private static List<TrainingExample> quietLoudQuiet() {
        Random random = new Random(1);
        List<TrainingExample> trades = new ArrayList<>();
        for (int k = 0; k < 550; k++) {
            double sigma = k < 200 || k >= 350 ? 0.003 : 0.08;
            Map<String, AgentVote> votes = new LinkedHashMap<>();
            votes.put("TradingAgent", Trades.vote(k % 2 == 0 ? Direction.LONG : Direction.SHORT, 0.6, 1.0));
            votes.put("RiskAgent", Trades.vote(k % 3 == 0 ? Direction.LONG : Direction.SHORT, 0.5, 1.0));
            trades.add(example(k, votes, sigma * random.nextGaussian()));
        }
        return trades;
    }

    private static TrainingExample example(int k, Map<String, AgentVote> votes, double move) {
        String id = "d-" + k;
        DecisionVotes decision = Trades.votes(id);
        decision.setAgentVotes(new LinkedHashMap<>(votes));
        return TrainingExample.newBuilder().setModelId("default").setVotes(decision)
                .setTrade(Trades.close(id, 100.0, 100.0 * (1 + move))).build();
    }

    /** What the alerts topic carried, and the model's watch at the end. */
    private record Trained(List<Alert> alerts, ModelMonitor watch) {
    }

    /** Trains the default model on {@code trades} through the whole topology, the join included. */
    private Trained train(List<TrainingExample> trades) {
        try (TopologyFixture fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir))) {
            Topics topics = fixture.topics();
            TestInputTopic<String, DecisionVotes> votes = fixture.input(topics.decisionVotes());
            TestInputTopic<String, TradeClosed> closes = fixture.input(topics.tradeClosed());
            TestOutputTopic<String, Alert> alerts = fixture.output(topics.alerts());
            // each decision's votes, then its close: every trade is scored at its decision, then trained
            for (TrainingExample trade : trades) {
                votes.pipeInput(trade.getVotes().getDecisionId(), trade.getVotes());
                closes.pipeInput(trade.getTrade().getDecisionId(), trade.getTrade());
            }
            ModelMonitor watch = fixture.watch("default");
            assertThat(watch).as("the model trained").isNotNull();
            return new Trained(alerts.readValuesToList(), watch);
        }
    }

    /** The type's two records, a RAISED and then a CLEARED; the alert is not active at the end. */
    private static List<Alert> raisedOnceThenClearedOnce(Trained trained, AlertType type) {
        List<Alert> episode = trained.alerts().stream().filter(a -> a.getType().equals(type.id())).toList();
        assertThat(episode).as("%s alerts", type.id()).extracting(Alert::getState)
                .containsExactly(AlertState.RAISED, AlertState.CLEARED);
        assertThat(trained.watch().alerts().active()).extracting(e -> e.type()).doesNotContain(type);
        return episode;
    }
}
