package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.AvroTrades;
import io.pim.metalearner.kafka.FeedbackEvents;
import io.pim.metalearner.testing.TopologyFixture;
import io.pim.metalearner.avro.Alert;
import io.pim.metalearner.avro.AlertState;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.avro.CommandType;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.api.LearnerView;
import io.pim.metalearner.api.Statuses;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.score.LearningCurve;
import io.pim.metalearner.learn.score.RecentScores;
import io.pim.metalearner.learn.alert.AlertMonitor;
import io.pim.metalearner.learn.race.ShadowRace;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import io.pim.metalearner.testing.RegistryExtension;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shadow candidates configured on the service, raced against the live model on its own trades,
 * through the whole topology on TopologyTestDriver: the {@code ridge} preset on a simulated
 * {@code skills} desk, where it learns far faster than the original network.
 */
@ExtendWith(RegistryExtension.class)
class CandidateRaceTopologyTest {
    private static final int TRADES = 450;
    private static final String LIVE = "default";
    private static final String RIDGE = "default~ridge";
    private static EmbeddedRegistry registry;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void sharedRegistry(EmbeddedRegistry shared) {
        registry = shared;
    }

    private ServiceConfig config(String dir, Map<String, String> settings) {
        return TopologyFixture.config(registry, stateDir.resolve(dir)).with(settings);
    }

    private static Map<String, String> candidates(String policy) {
        return Map.of("candidates", "ridge", "race.window", "300", "promotion.min-trades", "200",
                "promotion.significance", "0.01", "promotion.policy", policy, "promotion.cooldown", "100000");
    }

    /** The simulated desk's trades through the join, each decision's votes then its close. */
    private static void feed(TopologyFixture fixture) throws FeedbackEvents.Unmappable {
        var votes = fixture.input(fixture.topics().decisionVotes());
        var closes = fixture.input(fixture.topics().tradeClosed());
        TradeSimulator desk = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, 5, TradeSimulator.Scenario.SKILLS, TRADES);
        while (desk.hasNext()) {
            FeedbackEvents.Pair pair = FeedbackEvents.parse(desk.next(), TopologyFixture.START);
            votes.pipeInput(pair.decisionId(), pair.votes());
            closes.pipeInput(pair.decisionId(), pair.close());
        }
    }

    private static ShadowRace race(TopologyFixture fixture) {
        KeyValueStore<String, byte[]> store = fixture.store(LearningTopology.RACE_STORE);
        return ShadowRace.decode(store.get(LIVE), fixture.config().raceWindow());
    }

    private static byte[] learner(TopologyFixture fixture, String id) {
        KeyValueStore<String, byte[]> store = fixture.store(LearningTopology.LEARNER_STORE);
        return store.get(id);
    }

    @Test
    void underManualTheRaceShowsTheBetterCandidateAndRaisesCandidateBetterOnce() throws Exception {
        try (TopologyFixture fixture = new TopologyFixture(config("manual", candidates("manual")))) {
            TestOutputTopic<String, Alert> alerts = fixture.output(fixture.topics().alerts());
            TestOutputTopic<String, Command> commands = fixture.output(fixture.topics().commands());

            // when
            feed(fixture);

            // then: the candidate exists beside the live model and learned every one of its trades
            assertThat(LearnerCodec.decode(learner(fixture, RIDGE)).step()).isEqualTo(TRADES);
            assertThat(LearnerCodec.decode(learner(fixture, RIDGE)).config().spec())
                    .isEqualTo(LearnerSpec.parse("ridge").applyTo(fixture.config().learner()).spec());
            ShadowRace race = race(fixture);
            ShadowRace.Standing ridge = race.standings().get(0);
            System.out.printf("race after %d trades (window %d): live loss %.3g R² %s P&L %+.4f | ridge loss %.3g R² %s "
                            + "P&L %+.4f | uniform %+.4f | DM %.2f p %.2g%n", TRADES, race.window(), ridge.liveLoss(),
                    ridge.liveR2(), ridge.livePnl(), ridge.candidateLoss(), ridge.candidateR2(), ridge.candidatePnl(),
                    ridge.uniformPnl(), ridge.test().statistic(), ridge.test().pValue());
            assertThat(ridge.candidate()).isEqualTo(RIDGE);
            assertThat(ridge.trades()).isEqualTo(300);
            assertThat(ridge.candidateLoss()).isLessThan(ridge.liveLoss());
            assertThat(ridge.candidateR2()).isGreaterThan(ridge.liveR2());
            assertThat(ridge.test().pValue()).isLessThan(0.01);

            // one candidate-better alert for the live model, naming the candidate; manual promotes nothing
            List<Alert> better = alerts.readValuesToList().stream().filter(a -> a.getType().equals("candidate-better")).toList();
            assertThat(better).singleElement().satisfies(a -> {
                assertThat(a.getModelId()).isEqualTo(LIVE);
                assertThat(a.getState()).isEqualTo(AlertState.RAISED);
                assertThat(a.getMessage()).contains(RIDGE);
                assertThat(a.getTrainingStep()).isBetween(200L, (long) TRADES);
            });
            assertThat(commands.isEmpty()).isTrue();
            assertThat(race.alerted()).containsExactly(RIDGE);

            // the status shows the race
            LearnerView.Status status = Statuses.of(LIVE, LearnerCodec.decode(learner(fixture, LIVE)), new LearningCurve(10),
                    new AlertMonitor(fixture.config().alerts()), new RecentScores(1),
                    Statuses.race(race, fixture.config().promotion(), new AlertMonitor(fixture.config().alerts())));
            assertThat(status.race().standings()).containsExactly(ridge);
            assertThat(status.race().better()).containsExactly(RIDGE);
            assertThat(status.race().live().trades()).isEqualTo(300);
        }
    }

    @Test
    void underAutoTheServicePromotesTheWinnerThroughTheCommandsTopicAndAReplayEndsAtTheSameModels() throws Exception {
        try (TopologyFixture fixture = new TopologyFixture(config("auto", candidates("auto")))) {
            TestOutputTopic<String, Command> commands = fixture.output(fixture.topics().commands());
            TestOutputTopic<String, CommandResult> results = fixture.output(fixture.topics().commandResults());
            TestOutputTopic<String, Alert> alerts = fixture.output(fixture.topics().alerts());
            TestOutputTopic<byte[], byte[]> training = fixture.driver().createOutputTopic(
                    fixture.topics().training().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());

            // when
            feed(fixture);

            // then: one promote command, issued by the service, applied in order like an operator's
            List<Command> issued = commands.readValuesToList();
            assertThat(issued).singleElement().satisfies(c -> {
                assertThat(c.getType()).isEqualTo(CommandType.PROMOTE);
                assertThat(c.getModelId()).isEqualTo(LIVE);
                assertThat(c.getFromModel()).isEqualTo(RIDGE);
                assertThat(c.getIssuedBy()).isEqualTo(ShadowRaces.ISSUER);
            });
            assertThat(results.readValuesToList()).singleElement().satisfies(r -> {
                assertThat(r.getCommandId()).isEqualTo(issued.get(0).getCommandId());
                assertThat(r.getApplied()).isTrue();
                assertThat(r.getType()).isEqualTo("promote");
            });
            // the live model is now the candidate's line: a copy of it that learned the same trades since
            assertThat(learner(fixture, LIVE)).isEqualTo(learner(fixture, RIDGE));
            // the alert was raised, then cleared when the live learner was replaced; the race started over
            List<Alert> better = alerts.readValuesToList().stream().filter(a -> a.getType().equals("candidate-better")).toList();
            assertThat(better).extracting(Alert::getState).containsExactly(AlertState.RAISED, AlertState.CLEARED);
            ShadowRace race = race(fixture);
            assertThat(race.trades()).isEqualTo(TRADES);
            assertThat(race.standings().get(0).trades()).isLessThan(300);
            assertThat(race.alerted()).isEmpty();
            assertThat(race.pendingPromotion()).isNull(); // settled by its result

            // and a replay of the training topic (the copied command included) ends at the same bytes
            @SuppressWarnings("unchecked")
            Deserializer<Object> values = (Deserializer<Object>) (Deserializer<?>) fixture.topics().training().valueSerde().deserializer();
            TrainingReplay.Run replay = new TrainingReplay.Run(fixture.config(), fixture.config().learner(), LIVE);
            long offset = 0;
            for (TestRecord<byte[], byte[]> r : training.readRecordsToList()) {
                replay.accept(offset++, AvroTrades.decode(values, fixture.topics().training().name(), r.value()));
            }
            assertThat(LearnerCodec.encode(replay.learner(LIVE))).isEqualTo(learner(fixture, LIVE));
            assertThat(LearnerCodec.encode(replay.learner(RIDGE))).isEqualTo(learner(fixture, RIDGE));
        }
    }

    @Test
    void underAutoNothingIsPromotedWhileTheLiveModelsDriftAlertIsActive() throws Exception {
        // given: a drift detector set so sensitive that loss-drift is raised early and never clears
        Map<String, String> settings = new HashMap<>(candidates("auto"));
        settings.putAll(Map.of("alert.drift.threshold", "0.000001", "alert.drift.delta", "0",
                "alert.drift.min-instances", "5", "alert.drift.clear-steps", "100000"));
        try (TopologyFixture fixture = new TopologyFixture(config("drift", settings))) {
            TestOutputTopic<String, Command> commands = fixture.output(fixture.topics().commands());
            TestOutputTopic<String, Alert> alerts = fixture.output(fixture.topics().alerts());

            // when
            feed(fixture);

            // then: the candidate is reported better, but not promoted
            List<Alert> raised = alerts.readValuesToList().stream().filter(a -> a.getState() == AlertState.RAISED).toList();
            assertThat(raised).extracting(Alert::getType).contains("loss-drift", "candidate-better");
            assertThat(fixture.watch(LIVE).alerts().active())
                    .extracting(a -> a.type().id()).contains("loss-drift");
            // (on the same trades without the drift alert the candidate is promoted: the test above)
            assertThat(commands.isEmpty()).isTrue();
            assertThat(learner(fixture, LIVE)).isNotEqualTo(learner(fixture, RIDGE));
        }
    }

    @Test
    void theLiveModelLearnsExactlyAsItWouldWithoutCandidates() throws Exception {
        Map<String, List<String>> fingerprints = new HashMap<>();
        Map<String, List<String>> logs = new HashMap<>();
        for (String run : List.of("alone", "raced")) {
            ServiceConfig config = config(run, run.equals("alone") ? Map.of() : candidates("manual"));
            try (TopologyFixture fixture = new TopologyFixture(config)) {
                TestOutputTopic<String, WeightsUpdated> weights = fixture.output(fixture.topics().weightsUpdated());
                TestOutputTopic<String, TrainingLog> log = fixture.output(fixture.topics().trainingLog());
                feed(fixture);
                fingerprints.put(run, weights.readKeyValuesToList().stream().filter(kv -> kv.key.equals(LIVE))
                        .map(kv -> kv.value.getTrainingStep() + " " + kv.value.getPredictedReturn() + " " + kv.value.getFingerprint()).toList());
                logs.put(run, log.readKeyValuesToList().stream().filter(kv -> kv.key.equals(LIVE))
                        .map(kv -> kv.value.getDecisionId() + " " + kv.value.getPredictedProfit() + " " + kv.value.getLoss()).toList());
                if (run.equals("alone")) {
                    assertThat(fixture.entries(LearningTopology.RACE_STORE)).isZero();
                    assertThat(fixture.entries(LearningTopology.LEARNER_STORE)).isEqualTo(1);
                }
            }
        }
        assertThat(fingerprints.get("alone")).hasSize(TRADES);
        assertThat(fingerprints.get("raced")).isEqualTo(fingerprints.get("alone"));
        assertThat(logs.get("raced")).isEqualTo(logs.get("alone"));
    }
}
