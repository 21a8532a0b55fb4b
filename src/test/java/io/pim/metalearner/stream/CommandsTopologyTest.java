package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.AvroTrades;
import io.pim.metalearner.kafka.CheckpointKeys;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.testing.TopologyFixture;
import io.pim.metalearner.testing.Trades;
import io.pim.metalearner.api.LearnerView;
import io.pim.metalearner.api.Statuses;
import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.Alert;
import io.pim.metalearner.avro.AlertState;
import io.pim.metalearner.avro.Checkpoint;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.avro.WeightSnapshot;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.learn.alert.AlertType;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.testing.RegistryExtension;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Ops commands and checkpoints in the training step, on TopologyTestDriver with a real Apicurio registry. */
@ExtendWith(RegistryExtension.class)
class CommandsTopologyTest {
    private static EmbeddedRegistry registry;

    @TempDir
    Path stateDir;
    private TopologyFixture fixture;
    private ServiceConfig config;
    private Topics topics;
    private TopologyTestDriver driver;
    private TestInputTopic<String, TrainingExample> training;
    private TestInputTopic<String, Command> commands;
    private TestOutputTopic<String, WeightsUpdated> weights;
    private TestOutputTopic<String, Checkpoint> checkpoints;
    private TestOutputTopic<String, CommandResult> results;
    private TestOutputTopic<byte[], DeadLetter> deadLetters;
    private TestOutputTopic<String, Alert> alerts;
    private TestOutputTopic<String, AgentPerformance> performance;
    private TestOutputTopic<String, WeightSnapshot> snapshots;
    /** What the step listener (the metrics) heard: the step results, and -1 for a step time when no step ran. */
    private final List<StepResult> heard = new ArrayList<>();
    private final List<Long> heardNanos = new ArrayList<>();
    private int trades;

    @BeforeAll
    static void sharedRegistry(EmbeddedRegistry shared) {
        registry = shared;
    }

    private void start(int every, int keep, int maxBytes) {
        StepListener listener = (modelId, step, stepNanos, latencyMs, active) -> {
            heard.add(step);
            heardNanos.add(stepNanos);
        };
        fixture = new TopologyFixture(TopologyFixture.config(registry, stateDir)
                .withCheckpoints(new ServiceConfig.CheckpointPolicy(every, keep, maxBytes)), listener);
        config = fixture.config();
        topics = fixture.topics();
        driver = fixture.driver();
        training = fixture.input(topics.training());
        commands = fixture.input(topics.commands());
        weights = fixture.output(topics.weightsUpdated());
        checkpoints = fixture.output(topics.checkpoints());
        results = fixture.output(topics.commandResults());
        deadLetters = fixture.output(topics.deadLetter());
        alerts = fixture.output(topics.alerts());
        performance = fixture.output(topics.agentPerformance());
        snapshots = fixture.output(topics.weightSnapshots());
    }

    private void start(int every, int keep) {
        start(every, keep, 2 * 1024 * 1024);
    }

    @AfterEach
    void closeDriver() {
        if (fixture != null) fixture.close();
    }

    /** n trades for the model, with price moves that vary so that every step changes the learner. */
    private List<WeightsUpdated> trade(String modelId, int n) {
        for (int i = 0; i < n; i++) {
            int k = trades++;
            String id = "d-" + k;
            double exit = 150.0 * (1 + 0.03 * Math.sin(k * 0.7));
            training.pipeInput(modelId, TrainingExample.newBuilder().setModelId(modelId)
                    .setVotes(Trades.votes(id)).setTrade(Trades.close(id, 150.0, exit)).build());
        }
        return weights.readValuesToList();
    }

    private CommandResult send(Command command) {
        commands.pipeInput(command.getModelId(), command);
        List<CommandResult> out = results.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).getCommandId()).isEqualTo(command.getCommandId());
        return out.get(0);
    }

    private byte[] storedState(String modelId) {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(LearningTopology.LEARNER_STORE);
        return store.get(modelId);
    }

    private static WeightsUpdated last(List<WeightsUpdated> updates) {
        return updates.get(updates.size() - 1);
    }

    @Test
    void resetStartsTheModelOverAtStepZeroWithEveryWeightOne() {
        // given
        start(100, 50);
        trade("m", 30);

        // when
        CommandResult result = send(CommandClient.reset("m"));

        // then
        Learner fresh = Learner.create(config.learner());
        assertThat(result.getApplied()).isTrue();
        assertThat(result.getTrainingStep()).isZero();
        assertThat(result.getFingerprint()).isEqualTo(fresh.fingerprint());
        WeightsUpdated notice = weights.readValue();
        assertThat(notice.getTrainingStep()).isZero();
        assertThat(notice.getDecisionId()).isEqualTo(TrainingProcessor.COMMAND_DECISION_PREFIX + result.getCommandId());
        assertThat(notice.getAgentWeights().values()).isNotEmpty().allMatch(w -> w == 1.0);
        assertThat(last(trade("m", 1)).getTrainingStep()).isEqualTo(1);
    }

    @Test
    void rollbackRestoresTheNewestCheckpointAtOrBeforeTheStep() {
        // given: checkpoints every 10 steps
        start(10, 50);
        List<WeightsUpdated> steps = trade("m", 35);
        Map<Long, String> checkpointed = new java.util.HashMap<>();
        for (KeyValue<String, Checkpoint> c : checkpoints.readKeyValuesToList()) {
            checkpointed.put(c.value.getTrainingStep(), c.value.getFingerprint());
            assertThat(c.key).isEqualTo(CheckpointKeys.key("m", c.value.getTrainingStep()));
            assertThat(LearnerCodec.fingerprint(c.value.getState().array())).isEqualTo(c.value.getFingerprint());
        }
        assertThat(checkpointed).containsOnlyKeys(10L, 20L, 30L);

        // when
        CommandResult result = send(CommandClient.rollback("m", 29));

        // then: step 20's checkpoint, which is exactly the learner after step 20
        assertThat(result.getApplied()).isTrue();
        assertThat(result.getTrainingStep()).isEqualTo(20);
        assertThat(result.getFingerprint()).isEqualTo(checkpointed.get(20L)).isEqualTo(steps.get(19).getFingerprint());
        assertThat(LearnerCodec.fingerprint(storedState("m"))).isEqualTo(checkpointed.get(20L));
        weights.readValue();
        assertThat(last(trade("m", 1)).getTrainingStep()).isEqualTo(21);
    }

    @Test
    void checkpointsPastTheRetentionAreDeletedAndTombstoned() {
        // given: keep the newest 2
        start(10, 2);

        // when
        trade("m", 40);

        // then
        List<String> stored = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = driver.<String, byte[]>getKeyValueStore(LearningTopology.CHECKPOINTS_STORE).all()) {
            it.forEachRemaining(kv -> stored.add(kv.key));
        }
        assertThat(stored).containsExactly(CheckpointKeys.key("m", 30), CheckpointKeys.key("m", 40));
        List<String> tombstones = checkpoints.readKeyValuesToList().stream().filter(kv -> kv.value == null).map(kv -> kv.key).toList();
        assertThat(tombstones).containsExactly(CheckpointKeys.key("m", 10), CheckpointKeys.key("m", 20));
        assertThat(send(CommandClient.rollback("m", 25)).getReason()).isEqualTo("no-checkpoint");
    }

    @Test
    void promotedLiveModelContinuesFromTheCandidatesState() {
        // given: a live model and a candidate that learned other trades with another rule
        start(100, 50);
        trade("live", 20);
        byte[] candidate = LearnerCodec.encode(Learner.create(config.learner().withRule("hedge").withSeed(7)));
        assertThat(send(CommandClient.restore("candidate", candidate)).getApplied()).isTrue();
        trade("candidate", 15);
        byte[] candidateState = storedState("candidate");

        // when
        CommandResult result = send(CommandClient.promote("candidate", "live"));

        // then: the live model is the candidate, and its next step is the candidate's next step
        assertThat(result.getApplied()).isTrue();
        assertThat(result.getTrainingStep()).isEqualTo(15);
        assertThat(storedState("live")).isEqualTo(candidateState);
        weights.readValuesToList();
        WeightsUpdated next = last(trade("live", 1));
        Learner expected = LearnerCodec.decode(candidateState);
        expected.train(trade(trades - 1)); // the same trade, offline
        assertThat(next.getTrainingStep()).isEqualTo(16);
        assertThat(next.getFingerprint()).isEqualTo(expected.fingerprint());
        assertThat(LearnerCodec.decode(storedState("live")).config().rule()).isEqualTo("hedge");
    }

    @Test
    void anInstalledCandidateLearnsEveryLaterTradeOfItsModel() {
        // given: the live model has trained on offsets 0..19; a candidate caught up to the same point offline
        start(100, 50);
        trade("live", 20);
        LearnerConfig hedge = config.learner().withRule("hedge");
        Learner offline = Learner.create(hedge);
        for (int k = 0; k < 20; k++) offline.train(trade(k));

        // when
        CommandResult installed = send(CommandClient.installCandidate("cand", "live", LearnerCodec.encode(offline), 20));
        assertThat(weights.readValue().getModelId()).isEqualTo("cand"); // the install's notice
        List<WeightsUpdated> after = trade("live", 5);

        // then
        assertThat(installed.getApplied()).isTrue();
        for (int k = 20; k < 25; k++) offline.train(trade(k));
        List<WeightsUpdated> cand = after.stream().filter(w -> w.getModelId().equals("cand")).toList();
        assertThat(after.stream().filter(w -> w.getModelId().equals("live"))).hasSize(5);
        assertThat(cand).hasSize(5);
        assertThat(last(cand).getTrainingStep()).isEqualTo(25);
        assertThat(last(cand).getFingerprint()).isEqualTo(offline.fingerprint());
    }

    @Test
    void aCandidateThatMissedRecordsIsRejectedAsStale() {
        // given
        start(100, 50);
        trade("live", 20);

        // when: caught up only below offset 10
        CommandResult result = send(CommandClient.installCandidate("cand", "live",
                LearnerCodec.encode(Learner.create(config.learner())), 10));

        // then
        assertThat(result.getApplied()).isFalse();
        assertThat(result.getReason()).isEqualTo("stale-candidate");
        assertThat(deadLetters.readValue().getReason()).isEqualTo("stale-candidate");
        assertThat(trade("live", 1)).extracting(WeightsUpdated::getModelId).containsExactly("live");
    }

    @Test
    void badCommandsAreDeadLetteredWithTheirReasonAndTheStreamGoesOn() {
        // given
        start(10, 50);
        trade("m", 5);

        // when
        String unknown = send(CommandClient.reset("nobody")).getReason();
        String noCheckpoint = send(CommandClient.rollback("m", 4)).getReason();
        String corrupt = send(CommandClient.restore("m", "not a learner".getBytes(StandardCharsets.UTF_8))).getReason();
        String unknownCandidate = send(CommandClient.promote("nobody", "m")).getReason();
        driver.createInputTopic(topics.commands().name(), Serdes.String().serializer(), Serdes.ByteArray().serializer())
                .pipeInput("m", new byte[]{1, 2, 3});

        // then
        assertThat(List.of(unknown, noCheckpoint, corrupt, unknownCandidate))
                .containsExactly("unknown-model", "no-checkpoint", "corrupt-state", "unknown-model");
        assertThat(deadLetters.readValuesToList()).extracting(DeadLetter::getReason)
                .containsExactly("unknown-model", "no-checkpoint", "corrupt-state", "unknown-model", "unreadable");
        assertThat(last(trade("m", 1)).getTrainingStep()).isEqualTo(6);
        CountSnapshot counts = counts();
        assertThat(counts.trained()).isEqualTo(6);
    }

    @Test
    void aCheckpointTooBigForTheTopicRaisesCheckpointFailedOnce() {
        // given: a checkpoints topic that takes at most 1 KiB
        start(10, 50, 1024);

        // when
        trade("m", 25);

        // then
        List<Alert> raised = alerts.readValuesToList().stream().filter(a -> a.getType().equals("checkpoint-failed")).toList();
        assertThat(raised).hasSize(1);
        assertThat(raised.get(0).getState()).isEqualTo(AlertState.RAISED);
        assertThat(raised.get(0).getTrainingStep()).isEqualTo(10);
        assertThat(checkpoints.isEmpty()).isTrue();
    }

    @Test
    void resetClearsTheActiveAlertsAndStartsTheCurveAndTheMetricsOver() {
        // given: a model whose checkpoint at step 10 did not fit, so checkpoint-failed is active
        start(10, 50, 1024);
        trade("m", 25);
        assertThat(alerts.readValuesToList()).extracting(Alert::getType, Alert::getState)
                .contains(org.assertj.core.groups.Tuple.tuple("checkpoint-failed", AlertState.RAISED));
        assertThat(watch("m").alerts().active()).extracting(e -> e.type()).contains(AlertType.CHECKPOINT_FAILED);

        // when
        CommandResult result = send(CommandClient.reset("m"));

        // then: the alert is cleared once, on the alerts topic, saying the command cleared it
        List<Alert> cleared = alerts.readValuesToList();
        assertThat(cleared).singleElement().satisfies(a -> {
            assertThat(a.getType()).isEqualTo("checkpoint-failed");
            assertThat(a.getState()).isEqualTo(AlertState.CLEARED);
            assertThat(a.getTrainingStep()).isZero();
            assertThat(a.getMessage()).contains("reset command " + result.getCommandId());
        });
        // and the status is the fresh model's: step 0, no curve, no alert
        ModelMonitor watch = watch("m");
        assertThat(watch.curve().points()).isEmpty();
        LearnerView.Status status = Statuses.of("m", LearnerCodec.decode(storedState("m")), watch.curve(), watch.alerts());
        assertThat(status.trainingStep()).isZero();
        assertThat(status.curve()).isEmpty();
        assertThat(status.activeAlerts()).isEmpty();
        // and the metrics heard the new step, without a step time
        assertThat(heard.get(heard.size() - 1).step()).isZero();
        assertThat(heard.get(heard.size() - 1).agentWeights().values()).allMatch(w -> w == 1.0);
        assertThat(heardNanos.get(heardNanos.size() - 1)).isNegative();

        // when: it learns again
        trade("m", 2);

        // then: the curve starts at step 1
        assertThat(watch("m").curve().points()).extracting(p -> p.step()).containsExactly(1L, 2L);
    }

    @Test
    void resetDeletesTheModelsCheckpointsSoNoRollbackReachesTheOldLineage() {
        // given: checkpoints at 10, 20, 30
        start(10, 50);
        trade("m", 30);
        checkpoints.readKeyValuesToList();

        // when
        send(CommandClient.reset("m"));

        // then: all three are deleted from the store and tombstoned on the topic
        assertThat(checkpointTombstones()).containsExactly(key("m", 10), key("m", 20), key("m", 30));
        assertThat(storedCheckpoints()).isEmpty();

        // when: the new lineage learns 15 steps, then rolls back to 25
        weights.readValuesToList();
        List<WeightsUpdated> relearned = trade("m", 15);
        CommandResult rollback = send(CommandClient.rollback("m", 25));

        // then: its own step 10, not the old lineage's 20
        assertThat(rollback.getTrainingStep()).isEqualTo(10);
        assertThat(rollback.getFingerprint()).isEqualTo(relearned.get(9).getFingerprint());
    }

    @Test
    void rollbackKeepsTheCheckpointsUpToItsStepAndDeletesTheLaterOnes() {
        // given: checkpoints at 10, 20, 30
        start(10, 50);
        trade("m", 35);
        checkpoints.readKeyValuesToList();

        // when
        send(CommandClient.rollback("m", 25));

        // then: 30 belongs to a future that did not happen
        assertThat(checkpointTombstones()).containsExactly(key("m", 30));
        assertThat(storedCheckpoints()).containsExactly(key("m", 10), key("m", 20));

        // when: the model learns steps 21..30 again, on other trades, and rolls back to 30
        weights.readValuesToList();
        List<WeightsUpdated> relearned = trade("m", 10);
        CommandResult rollback = send(CommandClient.rollback("m", 30));

        // then: the new step 30
        assertThat(rollback.getFingerprint()).isEqualTo(last(relearned).getFingerprint());
    }

    @Test
    void restoreAndPromoteDeleteAllOfTheModelsCheckpoints() {
        // given: a model with checkpoints at 10 and 20, and a candidate
        start(10, 50);
        trade("m", 20);
        assertThat(send(CommandClient.restore("cand", LearnerCodec.encode(Learner.create(config.learner())))).getApplied()).isTrue();
        checkpoints.readKeyValuesToList();

        // when: restored from another state
        send(CommandClient.restore("m", LearnerCodec.encode(Learner.create(config.learner().withSeed(7)))));

        // then
        assertThat(checkpointTombstones()).containsExactly(key("m", 10), key("m", 20));

        // when: it checkpoints again at 10, then a candidate is promoted to it
        trade("m", 10);
        send(CommandClient.promote("cand", "m"));

        // then
        assertThat(checkpointTombstones()).containsExactly(key("m", 10));
        assertThat(storedCheckpoints()).isEmpty();
        assertThat(send(CommandClient.rollback("m", 10)).getReason()).isEqualTo("no-checkpoint");
    }

    @Test
    void anAppliedCommandPublishesTheNewLearnersAgentPerformanceAndAWeightSnapshot() {
        // given: a model that learned 25 steps (snapshots every 10)
        start(100, 50);
        trade("m", 25);
        driver.advanceWallClockTime(config.agentPerformanceInterval());
        long lastTradeOffset = performance.readValuesToList().stream().mapToLong(AgentPerformance::getSourceOffset).max().orElseThrow();
        snapshots.readValuesToList();

        // when
        send(CommandClient.reset("m"));

        // then: one record per roster agent with the fresh learner's figures at once, and a snapshot at step 0,
        // from a later training-topic offset than the trades' rows, so the tables' upserts let them win
        List<AgentPerformance> agents = performance.readValuesToList();
        assertThat(agents).allSatisfy(a -> assertThat(a.getSourceOffset()).isGreaterThan(lastTradeOffset));
        assertThat(agents).extracting(AgentPerformance::getAgentId).containsExactlyElementsOf(config.learner().roster());
        assertThat(agents).allSatisfy(a -> {
            assertThat(a.getModelId()).isEqualTo("m");
            assertThat(a.getTrainingStep()).isZero();
            assertThat(a.getTotalDecisions()).isZero();
            assertThat(a.getCurrentWeight()).isEqualTo(1.0);
        });
        assertThat(snapshots.readValuesToList()).singleElement().satisfies(s -> {
            assertThat(s.getTrainingStep()).isZero();
            assertThat(s.getAgentWeights()).contains("\"TradingAgent\":1.0");
        });
    }

    private ModelMonitor watch(String modelId) {
        return ModelMonitor.read(driver.getKeyValueStore(LearningTopology.MODEL_WATCH_STORE),
                driver.getKeyValueStore(LearningTopology.MODEL_WATCH_PARTS_STORE), modelId, AlertConfig.defaults());
    }

    private List<String> checkpointTombstones() {
        return checkpoints.readKeyValuesToList().stream().filter(kv -> kv.value == null).map(kv -> kv.key).toList();
    }

    private List<String> storedCheckpoints() {
        List<String> stored = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = driver.<String, byte[]>getKeyValueStore(LearningTopology.CHECKPOINTS_STORE).all()) {
            it.forEachRemaining(kv -> stored.add(kv.key));
        }
        return stored;
    }

    private static String key(String modelId, long step) {
        return CheckpointKeys.key(modelId, step);
    }

    private io.pim.metalearner.learn.trade.Trade trade(int k) {
        String id = "d-" + k;
        return AvroTrades.trade(Trades.votes(id), Trades.close(id, 150.0, 150.0 * (1 + 0.03 * Math.sin(k * 0.7))));
    }

    private CountSnapshot counts() {
        return fixture.counts();
    }
}
