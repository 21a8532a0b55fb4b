package io.pim.metalearner.stream;

import io.pim.metalearner.avro.Alert;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.FeedbackEvents;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.race.ShadowRace;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.offline.TrainingRun;
import io.pim.metalearner.offline.Utf8Lines;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.TimedTrades;
import io.pim.metalearner.testing.TimedTrades.Trade;
import io.pim.metalearner.testing.TopologyFixture;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The stream's learning figures, race and promotion judge each trade by what every learner said
 * when the trade was decided, through the whole topology on TopologyTestDriver: on a market where
 * hindsight pays (one market factor per day across eight symbols, 5-day holds, agents without
 * skill), the live figures are exactly the offline decision-time ones and show no gain, while the
 * learner's own close-time P&amp;L does.
 */
@ExtendWith(RegistryExtension.class)
class LiveDecisionTimeTopologyTest {
    private static final String LIVE = "default";
    private static EmbeddedRegistry registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void sharedRegistry(EmbeddedRegistry shared) {
        registry = shared;
    }

    private ServiceConfig config(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.put("roster", "A,B");
        return TopologyFixture.config(registry, dir.resolve("state")).with(all);
    }

    /** The trades as the desk lives them: at each instant the closes, then the decisions, in file order among equals. */
    private static void playInTimeOrder(TopologyFixture fixture, List<Trade> trades) throws FeedbackEvents.Unmappable {
        record Event(long at, int rank, int index) {
        }
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < trades.size(); i++) {
            events.add(new Event(trades.get(i).decidedAt().toEpochMilli(), 1, i));
            events.add(new Event(trades.get(i).closedAt().toEpochMilli(), 0, i));
        }
        events.sort(Comparator.comparingLong(Event::at).thenComparingInt(Event::rank).thenComparingInt(Event::index));
        TestInputTopic<String, DecisionVotes> votes = fixture.input(fixture.topics().decisionVotes());
        TestInputTopic<String, TradeClosed> closes = fixture.input(fixture.topics().tradeClosed());
        for (Event e : events) {
            FeedbackEvents.Pair pair = FeedbackEvents.parse(trades.get(e.index).json(true), TopologyFixture.START);
            if (e.rank == 1) votes.pipeInput(pair.decisionId(), pair.votes());
            else closes.pipeInput(pair.decisionId(), pair.close());
        }
    }

    /** {@code learn} on the same trades, offline in decision time: each trained trade's figures by decision id, and the last. */
    private Map<String, StepResult> offline(ServiceConfig config, List<Trade> trades, Metrics[] last) throws Exception {
        Path file = TimedTrades.write(dir.resolve("trades.jsonl"), trades, true);
        Map<String, StepResult> judged = new HashMap<>();
        try (InputStream in = Files.newInputStream(file); Utf8Lines lines = new Utf8Lines(in)) {
            TrainingRun.Outcome outcome = TrainingRun.run("learn", Learner.create(config.learner()), lines,
                    new PrintWriter(new StringWriter()), (trade, step, figures) -> judged.put(trade.decisionId(), step));
            assertThat(outcome.order()).isEqualTo(TrainingRun.Order.DECISION_TIME);
            last[0] = outcome.figures();
        }
        return judged;
    }

    @Test
    void liveFiguresAreTheOfflineDecisionTimeOnesAndShowNoHindsightGainNorPromotion() throws Exception {
        // given two agents without skill, 8 symbols decided at the same instant each day, held 5 days; a
        // candidate with the Hedge rule, promoted automatically if its committee earns significantly more
        List<Trade> market = TimedTrades.commonFactorMarket(3, 200, 8, 5);
        double total = market.stream().mapToDouble(t -> Math.abs(t.priceMove())).sum(); // what perfect hindsight earns
        ServiceConfig config = config(Map.of("candidates", "seed-hedge", "race.window", "1000",
                "promotion.min-trades", "200", "promotion.policy", "auto", "promotion.criterion", "pnl"));
        try (TopologyFixture fixture = new TopologyFixture(config)) {
            TestOutputTopic<String, WeightsUpdated> updates = fixture.output(fixture.topics().weightsUpdated());
            TestOutputTopic<String, Command> commands = fixture.output(fixture.topics().commands());
            TestOutputTopic<String, Alert> alerts = fixture.output(fixture.topics().alerts());

            // when the desk's decisions and closes reach the stream in time order
            playInTimeOrder(fixture, market);

            // then every trade was judged by its score at the decision, exactly as the offline run judges it
            Metrics[] offlineFigures = new Metrics[1];
            Map<String, StepResult> offline = offline(config, market, offlineFigures);
            List<WeightsUpdated> live = updates.readValuesToList().stream().filter(u -> u.getModelId().equals(LIVE)).toList();
            assertThat(live).hasSize(market.size());
            for (WeightsUpdated u : live) {
                StepResult o = offline.get(u.getDecisionId());
                assertThat(u.getDecisionPredictedReturn()).as(u.getDecisionId()).isEqualTo((double) o.predictedReturn());
                assertThat(u.getTrainingStep()).isEqualTo(o.step());
            }
            WeightsUpdated end = live.get(live.size() - 1);
            Metrics o = offlineFigures[0];
            assertThat(end.getDecisionCommitteePnlLearned()).isCloseTo(o.committeePnlLearned(), within(1e-9));
            assertThat(end.getDecisionCommitteePnlUniform()).isCloseTo(o.committeePnlUniform(), within(1e-9));
            assertThat(end.getDecisionRollingLoss()).isCloseTo(o.rollingLoss(), within(1e-15));
            assertThat(end.getDecisionRollingR2()).isCloseTo(o.rollingR2(), within(1e-12));
            assertThat(end.getDecisionRollingDirectionAccuracy()).isEqualTo(o.rollingDirectionAccuracy());
            assertThat(end.getUnscoredTrades()).isZero();
            assertThat(fixture.counts().trainedUnscored()).isZero();

            // and the learner's own P&L, computed when each trade trained, gained by hindsight; the live figure did not.
            // Without skill the gain is a coin toss per day (its 8 trades move alike): over 200 days its sd is about
            // 7 % of Σ|move|, so hindsight is over 4 sd, and the decision-time gain within 2
            Metrics atTraining = LearnerCodec.decode(fixture.<String, byte[]>store(LearningTopology.LEARNER_STORE).get(LIVE)).metrics();
            double leaked = atTraining.committeePnlLearned() - atTraining.committeePnlUniform();
            double fair = end.getDecisionCommitteePnlLearned() - end.getDecisionCommitteePnlUniform();
            System.out.printf("of Σ|move| %.2f: gain at training time %+.2f, at decision time %+.2f%n", total, leaked, fair);
            assertThat(leaked).as("learned − uniform at training time, of Σ|move| %.1f", total).isGreaterThan(0.3 * total);
            assertThat(Math.abs(fair)).as("learned − uniform at decision time, of Σ|move| %.1f", total).isLessThan(0.15 * total);

            // and the race judged at decision time, its variance at a lag of at least the overlap (8 symbols × 5 days − 1),
            // found no significant advantage: nothing promoted, no candidate-better alert
            KeyValueStore<String, byte[]> races = fixture.store(LearningTopology.RACE_STORE);
            ShadowRace race = ShadowRace.decode(races.get(LIVE), config.raceWindow());
            ShadowRace.Standing hedge = race.standings().get(0);
            System.out.printf("race: live P&L %+.3f, hedge %+.3f, uniform %+.3f; DM on P&L %.2f p %.3f lag %d; on loss %.2f lag %d%n",
                    hedge.livePnl(), hedge.candidatePnl(), hedge.uniformPnl(), hedge.pnlTest().statistic(),
                    hedge.pnlTest().pValue(), hedge.pnlTest().lag(), hedge.test().statistic(), hedge.test().lag());
            assertThat(hedge.trades()).isEqualTo(1000);
            assertThat(hedge.pnlTest().lag()).isGreaterThanOrEqualTo(39);
            assertThat(hedge.test().lag()).isEqualTo(hedge.pnlTest().lag());
            assertThat(Math.abs(hedge.livePnl() - hedge.uniformPnl())).isLessThan(0.15 * total);
            assertThat(commands.isEmpty()).isTrue();
            assertThat(alerts.readValuesToList()).noneMatch(a -> a.getType().equals("candidate-better"));
        }
    }

    @Test
    void theRaceIsAFunctionOfTheTrainingTopicItsReplayEndsAtTheSameRaceAndModels() throws Exception {
        // given a desk with overlapping holds and two candidates, lived through the join
        List<Trade> market = TimedTrades.commonFactorMarket(8, 60, 4, 3);
        Map<String, String> settings = Map.of("candidates", "seed-hedge, ridge", "race.window", "100",
                "promotion.min-trades", "50");
        List<byte[]> trainingTopic = new ArrayList<>();
        byte[] race, live, ridge;
        try (TopologyFixture fixture = new TopologyFixture(config(settings))) {
            TestOutputTopic<byte[], byte[]> training = fixture.driver().createOutputTopic(
                    fixture.topics().training().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            playInTimeOrder(fixture, market);
            training.readValuesToList().forEach(trainingTopic::add);
            race = fixture.<String, byte[]>store(LearningTopology.RACE_STORE).get(LIVE);
            live = fixture.<String, byte[]>store(LearningTopology.LEARNER_STORE).get(LIVE);
            ridge = fixture.<String, byte[]>store(LearningTopology.LEARNER_STORE).get(LIVE + "~ridge");
        }
        assertThat(ShadowRace.decode(race, 100).standings()).allSatisfy(s -> assertThat(s.trades()).isEqualTo(100));

        // when the training topic (votes, trades) is replayed into a service with empty stores
        try (TopologyFixture replay = new TopologyFixture(config(settings).withStateDir(dir.resolve("replay")))) {
            TestInputTopic<byte[], byte[]> training = replay.rawInput(replay.topics().training());
            for (byte[] value : trainingTopic) training.pipeInput(LIVE.getBytes(java.nio.charset.StandardCharsets.UTF_8), value);

            // then: the same race, byte for byte, and the same learners
            assertThat(replay.<String, byte[]>store(LearningTopology.RACE_STORE).get(LIVE)).isEqualTo(race);
            assertThat(replay.<String, byte[]>store(LearningTopology.LEARNER_STORE).get(LIVE)).isEqualTo(live);
            assertThat(replay.<String, byte[]>store(LearningTopology.LEARNER_STORE).get(LIVE + "~ridge")).isEqualTo(ridge);
        }
    }

    @Test
    void aTradeWhoseVotesWereNeverScoredIsCountedAndEntersNoDecisionTimeFigure() throws Exception {
        // given 30 trades put straight onto the training topic (a backlog whose votes were never scored), then 20 through the join
        List<Trade> trades = TimedTrades.commonFactorMarket(5, 50, 1, 1);
        try (TopologyFixture fixture = new TopologyFixture(config(Map.of()))) {
            TestOutputTopic<String, WeightsUpdated> updates = fixture.output(fixture.topics().weightsUpdated());
            TestInputTopic<String, TrainingExample> training = fixture.input(fixture.topics().training());

            // when
            for (Trade t : trades.subList(0, 30)) {
                FeedbackEvents.Pair pair = FeedbackEvents.parse(t.json(true), TopologyFixture.START);
                training.pipeInput(LIVE, TrainingExample.newBuilder().setModelId(LIVE).setVotes(pair.votes())
                        .setTrade(pair.close()).build());
            }
            playInTimeOrder(fixture, trades.subList(30, 50));

            // then: the 30 are counted, with no decision-time prediction; the figures hold only the 20 judged ones
            List<WeightsUpdated> live = updates.readValuesToList();
            assertThat(live).hasSize(50);
            assertThat(live.subList(0, 30)).allSatisfy(u -> {
                assertThat(u.getDecisionPredictedReturn()).isNull();
                assertThat(u.getDecisionRollingLoss()).isNull();
                assertThat(u.getDecisionCommitteePnlLearned()).isNull();
            });
            assertThat(live.subList(30, 50)).allSatisfy(u -> assertThat(u.getDecisionPredictedReturn()).isNotNull());
            assertThat(live.get(49).getUnscoredTrades()).isEqualTo(30);
            assertThat(fixture.counts().trainedUnscored()).isEqualTo(30);
            assertThat(fixture.watch(LIVE).figures().judged()).isEqualTo(20);
            assertThat(fixture.watch(LIVE).figures().unscored()).isEqualTo(30);
            // every open decision settled: nothing is left behind in the store
            assertThat(fixture.entries(LearningTopology.OPEN_DECISIONS_STORE)).isZero();
        }
    }
}
