package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.AvroTrades;
import io.pim.metalearner.kafka.CheckpointKeys;
import io.pim.metalearner.kafka.CountStore;
import io.pim.metalearner.kafka.DeadLetters;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.Alert;
import io.pim.metalearner.avro.Checkpoint;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.score.DecisionTimeFigures;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.trade.Rejection;
import io.pim.metalearner.learn.score.OpenDecision;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.trade.Direction;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.Vote;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.learn.alert.AlertEvent;
import io.pim.metalearner.learn.alert.AlertType;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Trains one step per training-topic record. The whole learner of each model lives in the
 * changelogged {@link LearningTopology#LEARNER_STORE} store (key model id, value
 * {@link LearnerCodec} bytes), written after every step; under exactly-once the store, the
 * consumed offset and the outputs commit together, so a crash neither loses nor repeats a step.
 * <p>
 * Outputs per step: {@code WeightsUpdated} (with step, source offset and state fingerprint: the
 * exactly-once oracle), {@code TrainingLog}, a {@code WeightSnapshot} every {@code snapshot.every}
 * steps, and an {@code Alert} for each alert raised or cleared by the model's {@link ModelMonitor}
 * (kept in {@link LearningTopology#MODEL_WATCH_STORE}). The {@code AgentPerformance} records (one per
 * roster agent, an upsert table) of each model that trained are published every
 * {@code agent-performance.interval}, from the learner as it is then: one per agent per step was
 * 9 of the 21 records a trade cost. After a restart every model's are published once more, so a
 * crash between a step and its publication cannot leave the table behind.
 * <p>
 * An applied command replaces a model's learner: a {@code WeightsUpdated} notice, tombstones of the
 * checkpoints it deleted (and an installed candidate's first checkpoint), a fresh watch (a {@code CLEARED} alert for each that was active), the new
 * learner's {@code AgentPerformance} records and {@code WeightSnapshot}, then its {@code CommandResult}.
 */
final class TrainingProcessor implements Processor<byte[], byte[], Object, Object> {
    private static final Logger log = LoggerFactory.getLogger(TrainingProcessor.class);
    /** MDC keys set while a training-topic record is processed. */
    public static final String MDC_MODEL_ID = "model_id";
    public static final String MDC_TASK_ID = "task_id";
    /** The decision id of a {@code WeightsUpdated} that announces an applied command, not a trained trade. */
    public static final String COMMAND_DECISION_PREFIX = "command:";

    private final LearnerConfig learnerConfig;
    private final int snapshotEvery;
    private final String trainingTopic;
    /** Either value kind of the training topic: the deserializer returns the writer schema's class. */
    private final Deserializer<Object> deserializer;
    private final ServiceConfig config;
    private final AlertConfig alertConfig;
    private final StepListener listener;

    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, byte[]> store;
    private KeyValueStore<String, byte[]> watchStore;
    private KeyValueStore<String, byte[]> watchParts;
    /** Decoded watches, a copy of the store's like {@link StoreModelStates}'s learners, dropped with them on failure. */
    private final Map<String, ModelMonitor> watches = new HashMap<>();
    /** Models trained since their agent-performance records were last published, with the offset of their last step. */
    private final Map<String, Long> unpublished = new LinkedHashMap<>();
    /** Models whose figures this task told the listener, so it can drop them when the task closes. */
    private final Set<String> reported = new HashSet<>();
    private CountStore counts;
    private DeadLetters deadLetters;
    private StoreModelStates storage;
    private TrainingRules book;
    private ShadowRaces races;
    private OpenDecisions open;
    /** The record in process as the training topic holds it ({@link TrainingPositions#source}). */
    private RecordMetadata source;

    TrainingProcessor(ServiceConfig config, Topics topics, StepListener listener) {
        this.listener = listener;
        this.alertConfig = config.alerts();
        this.learnerConfig = config.learner();
        this.snapshotEvery = config.snapshotEvery();
        this.trainingTopic = topics.training().name();
        @SuppressWarnings("unchecked")
        Deserializer<Object> any = (Deserializer<Object>) (Deserializer<?>) topics.training().valueSerde().deserializer();
        this.deserializer = any;
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.store = context.getStateStore(LearningTopology.LEARNER_STORE);
        this.watchStore = context.getStateStore(LearningTopology.MODEL_WATCH_STORE);
        this.watchParts = context.getStateStore(LearningTopology.MODEL_WATCH_PARTS_STORE);
        this.watches.clear();
        this.counts = new CountStore(context.getStateStore(LearningTopology.TRAINING_COUNTS_STORE), listener::onCount);
        this.deadLetters = new DeadLetters(context, LearningTopology.TRAINING_DEAD_LETTER_SINK, counts);
        this.storage = new StoreModelStates(store, context.getStateStore(LearningTopology.FOLLOWERS_STORE),
                context.getStateStore(LearningTopology.CHECKPOINTS_STORE), learnerConfig);
        this.book = new TrainingRules(storage, learnerConfig, config.checkpoints(), config.candidates());
        this.races = new ShadowRaces(context.getStateStore(LearningTopology.RACE_STORE), config.raceWindow(),
                config.promotion());
        this.open = new OpenDecisions(context.getStateStore(LearningTopology.OPEN_DECISIONS_STORE));
        long ttl = config.votesTtl().toMillis();
        context.schedule(Duration.ofMillis(Math.max(1_000, Math.min(ttl / 10, 3_600_000))), PunctuationType.WALL_CLOCK_TIME,
                now -> counts.add(CountStore.SCORES_EXPIRED, open.expire(now - ttl)));
        this.unpublished.clear();
        try (var models = context.<KeyValueStore<String, byte[]>>getStateStore(LearningTopology.FOLLOWERS_STORE).all()) {
            models.forEachRemaining(kv -> {
                TrainingRules.CandidatesAndOffset f = TrainingRules.CandidatesAndOffset.decode(kv.value);
                if (f.lastOffset() < 0) return;
                unpublished.put(kv.key, f.lastOffset());
                for (String candidate : f.candidates()) unpublished.put(candidate, f.lastOffset());
            });
        }
        context.schedule(config.agentPerformanceInterval(), PunctuationType.WALL_CLOCK_TIME, this::publishAgentPerformance);
    }

    @Override
    public void close() {
        listener.onModelsClosed(Set.copyOf(reported));
        reported.clear();
    }

    /** The agent-performance records of every model that trained since the last call, as its learner is now. */
    private void publishAgentPerformance(long now) {
        for (Map.Entry<String, Long> e : unpublished.entrySet()) {
            Learner learner = storage.learner(e.getKey());
            if (learner != null) emitAgentPerformance(e.getKey(), learner, e.getValue(), now);
        }
        unpublished.clear();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        // what is logged meanwhile (here, in the rules, in the learner) names its model and task:
        // JSON logs carry the MDC; removed again before the thread takes the next record
        String modelId = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        try (MDC.MDCCloseable model = MDC.putCloseable(MDC_MODEL_ID, modelId);
             MDC.MDCCloseable task = MDC.putCloseable(MDC_TASK_ID, context.taskId().toString())) {
            processInContext(record);
        }
    }

    private void processInContext(Record<byte[], byte[]> record) {
        counts.increment(CountStore.TRAINING_IN);
        Object decoded;
        try {
            decoded = AvroTrades.decode(deserializer, trainingTopic, record.value());
        } catch (InvalidTradeException e) {
            deadLetters.send(record, e.reason().code, e.getMessage());
            return;
        }
        source = TrainingPositions.source(context.recordMetadata().orElseThrow(), record.headers(), trainingTopic);
        long offset = source.offset();
        try {
            if (decoded instanceof Command command) {
                command(record, command, offset);
            } else if (decoded instanceof TrainingExample example) {
                train(record, example, offset);
            } else if (decoded instanceof DecisionVotes votes) {
                score(record, votes, offset);
            } else {
                deadLetters.send(record, Rejection.WRONG_TYPE.code, "a training-topic record is a TrainingExample, a Command or DecisionVotes, not "
                        + decoded.getClass().getSimpleName());
            }
        } catch (RuntimeException e) {
            // trained in memory but maybe not stored: re-read both on retry
            storage.forget();
            watches.clear();
            races.forget();
            throw e;
        }
    }

    private void train(Record<byte[], byte[]> record, TrainingExample example, long offset) {
        long started = System.nanoTime();
        TrainingRules.Trained trained;
        // what every learner said at the decision, taken whether or not the step is then refused
        OpenDecision atVote = open.take(example.getModelId(), example.getTrade().getDecisionId());
        Trade trade;
        try {
            trade = AvroTrades.trade(example.getVotes(), example.getTrade());
            // a step the model refuses (non-finite loss or gradient) left it unchanged: a dead letter too
            trained = book.train(example.getModelId(), trade, offset);
        } catch (InvalidTradeException e) {
            deadLetters.send(record, e.reason().code, e.getMessage());
            return;
        }
        long stepNanos = System.nanoTime() - started;
        if (atVote == null) counts.increment(CountStore.UNSCORED);
        boolean driftRaised = false, driftActive = false;
        for (TrainingRules.Step step : trained.steps()) {
            String modelId = step.modelId();
            ModelMonitor watch = watch(modelId);
            OpenDecision.Scored scored = atVote == null ? null : atVote.of(modelId);
            ModelMonitor.Settled settled = watch.onStep(step.result(), scored == null ? null : scored.score(),
                    trade.priceMove(), step.learner().config().window());
            emit(modelId, example, step.learner(), step.result(), settled, step.fingerprint());
            List<AlertEvent> alerts = new ArrayList<>(settled.alerts());
            watch.alerts().divergence(step.result().step(), step.learner().divergedAt(), step.learner().divergence())
                    .ifPresent(alerts::add);
            if (step == trained.steps().get(0)) {
                driftRaised = alerts.stream().anyMatch(a -> a.raised() && a.type() == AlertType.LOSS_DRIFT);
                driftActive = watch.alerts().active().stream().anyMatch(a -> a.type() == AlertType.LOSS_DRIFT);
            }
            for (TrainingRules.CheckpointWrite c : trained.checkpoints()) {
                if (c.modelId().equals(modelId)) checkpoint(c, offset, watch).ifPresent(alerts::add);
            }
            watch.write(watchStore, watchParts, modelId);
            for (AlertEvent alert : alerts) emitAlert(modelId, alert);
            Instant closedAt = example.getTrade().getClosedAt();
            long latencyMs = closedAt == null || closedAt.toEpochMilli() <= 0
                    ? -1 : context.currentSystemTimeMs() - closedAt.toEpochMilli();
            reported.add(modelId);
            listener.onStep(modelId, step.result(), stepNanos, latencyMs, watch.alerts().active());
            listener.onFigures(modelId, step.learner().metrics(), settled.figures());
        }
        race(trained.steps(), atVote, trade.priceMove(), driftRaised, driftActive);
        counts.increment(CountStore.TRAINED);
    }

    /**
     * The model's race with its candidates after the trade: its alerts, and under {@code auto} a
     * promote command to the commands topic, in this step's transaction (no other producer).
     */
    private void race(List<TrainingRules.Step> steps, OpenDecision atVote, double priceMove, boolean driftRaised,
                      boolean driftActive) {
        long now = context.currentSystemTimeMs();
        ShadowRaces.Outcome outcome = races.onTrained(steps, atVote, priceMove, driftRaised, driftActive, now);
        String modelId = steps.get(0).modelId();
        for (AlertEvent alert : outcome.alerts()) emitAlert(modelId, alert);
        if (!outcome.standings().isEmpty()) listener.onRace(modelId, outcome.standings());
        if (outcome.promote() != null) {
            log.info("model '{}': candidate '{}' wins the race; promoting it ({})", modelId,
                    outcome.promote().getFromModel(), outcome.promote().getCommandId());
            forward(LearningTopology.COMMANDS_SINK, modelId, outcome.promote(), now);
        }
    }

    /**
     * Scores a decision with its model as it stands after its last step, before the next record,
     * and publishes that score. Every learner that will train the trade (the model and its
     * candidates) scores it for its side too, kept in {@link OpenDecisions} until the trade trains
     * and is judged by it. Reads the learners, changes none.
     */
    private void score(Record<byte[], byte[]> record, DecisionVotes votes, long offset) {
        String modelId = LearningTopology.modelIdOf(votes.getModelId(), config.defaultModelId());
        Map<String, Vote> checked;
        VoteScore score;
        try {
            checked = AvroTrades.votes(votes);
            score = book.score(modelId, checked);
        } catch (InvalidTradeException e) {
            deadLetters.send(record, e.reason().code, e.getMessage());
            return;
        }
        if (!Double.isFinite(score.predictedReturn())) {
            deadLetters.send(record, Rejection.NON_FINITE_VALUE.code, "the prediction is " + score.predictedReturn());
            return;
        }
        long now = context.currentSystemTimeMs();
        forward(LearningTopology.DECISION_SCORES_SINK, votes.getDecisionId(),
                AvroTrades.decisionScore(modelId, votes, score, offset, Instant.ofEpochMilli(now)), now);
        boolean isShort = Trade.side(votes.getAction()).orElseThrow() == Direction.SHORT; // checked by AvroTrades.votes
        open.put(modelId, votes.getDecisionId(), new OpenDecision(offset, now, book.scoreAll(modelId, checked, isShort)));
        ModelMonitor watch = watch(modelId);
        watch.onScore(votes.getDecisionId(), score);
        watch.write(watchStore, watchParts, modelId);
        counts.increment(CountStore.SCORED);
    }

    /** Writes a checkpoint (and the tombstones of those past retention), or reports why it could not. */
    private Optional<AlertEvent> checkpoint(TrainingRules.CheckpointWrite c, long offset, ModelMonitor watch) {
        if (c.failed()) {
            log.warn("model '{}' checkpoint at step {} failed: {}", c.modelId(), c.step(), c.failure());
            return watch.alerts().checkpointFailed(c.step(), c.failure());
        }
        long now = context.currentSystemTimeMs();
        forward(LearningTopology.CHECKPOINTS_SINK, CheckpointKeys.key(c.modelId(), c.step()), Checkpoint.newBuilder()
                .setModelId(c.modelId()).setTrainingStep(c.step()).setFingerprint(c.fingerprint())
                .setState(ByteBuffer.wrap(c.state())).setSourceOffset(offset).setTimestamp(Instant.ofEpochMilli(now))
                .build(), now);
        for (long step : c.deleted()) forward(LearningTopology.CHECKPOINTS_SINK, CheckpointKeys.key(c.modelId(), step), null, now);
        return watch.alerts().checkpointSucceeded(c.step());
    }

    private void command(Record<byte[], byte[]> record, Command command, long offset) {
        counts.increment(CountStore.COMMANDS_IN);
        String type = command.getType().name().toLowerCase(Locale.ROOT).replace('_', '-');
        long now = context.currentSystemTimeMs();
        CommandResult.Builder result = CommandResult.newBuilder()
                .setCommandId(command.getCommandId()).setModelId(command.getModelId()).setType(type)
                .setSourceOffset(offset).setTimestamp(Instant.ofEpochMilli(now));
        TrainingRules.Applied applied;
        try {
            applied = book.apply(command, offset);
        } catch (TrainingRules.Rejected e) {
            log.warn("command {} ({} of model '{}') rejected: {} ({})", command.getCommandId(), type,
                    command.getModelId(), e.reason, e.getMessage());
            deadLetters.send(record, e.reason, e.getMessage());
            forward(LearningTopology.COMMAND_RESULTS_SINK, command.getModelId(), result.setApplied(false)
                    .setReason(e.reason).setDetail(e.getMessage()).build(), now);
            races.onCommandSettled(command);
            return;
        }
        Learner learner = applied.learner();
        String modelId = applied.modelId();
        String decisionId = COMMAND_DECISION_PREFIX + command.getCommandId();
        log.info("command {} ({} of model '{}') applied: step {}, fingerprint {}", command.getCommandId(), type,
                modelId, learner.step(), applied.fingerprint());
        counts.increment(CountStore.COMMANDS_APPLIED);
        // the committee votes with the newest weights: tell it the model changed
        Metrics m = learner.metrics();
        forward(LearningTopology.WEIGHTS_UPDATED_SINK, modelId, WeightsUpdated.newBuilder()
                .setModelId(modelId).setTrainingStep(learner.step())
                .setDecisionId(decisionId)
                .setAgentWeights(new LinkedHashMap<>(learner.weights()))
                .setPredictedReturn(0).setActualReturn(0).setLoss(0)
                .setRollingLoss(m.rollingLoss()).setRollingR2(m.rollingR2())
                .setRollingDirectionAccuracy(m.rollingDirectionAccuracy())
                .setFingerprint(applied.fingerprint())
                .setSourceTopic(trainingTopic).setSourcePartition(source.partition())
                .setSourceOffset(offset)
                .setTimestamp(Instant.ofEpochMilli(now))
                .build(), now);
        for (long step : applied.deletedCheckpoints()) {
            forward(LearningTopology.CHECKPOINTS_SINK, CheckpointKeys.key(modelId, step), null, now);
        }
        // what was watched of the learner it replaced is over: curve, detectors, alerts
        String cause = "cleared by the " + type + " command " + command.getCommandId() + ": the model's learner was replaced";
        for (AlertEvent cleared : restartWatch(modelId, learner.step(), cause)) emitAlert(modelId, cleared);
        for (AlertEvent cleared : races.onReplaced(modelId, learner.step(), cause)) emitAlert(modelId, cleared);
        // what the replaced learner said about open trades is not the model's any more: they settle unscored
        open.drop(modelId);
        races.onCommandSettled(command);
        // the tables show the model as it is now, not as it was before the command
        emitTables(modelId, learner, true, offset, now);
        // an installed candidate's first checkpoint (after the tombstones above), watched by its fresh watch
        if (applied.checkpoint() != null) {
            ModelMonitor watch = watch(modelId);
            Optional<AlertEvent> alert = checkpoint(applied.checkpoint(), offset, watch);
            watch.write(watchStore, watchParts, modelId);
            alert.ifPresent(a -> emitAlert(modelId, a));
        }
        reported.add(modelId);
        listener.onStep(modelId, new StepResult(learner.step(), decisionId, 0, 0, 0, m.rollingLoss(), m.rollingR2(),
                m.rollingDirectionAccuracy(), learner.weights(), List.of()), -1, -1, List.of());
        DecisionTimeFigures atDecision = watch(modelId).figures();
        listener.onFigures(modelId, m, atDecision == null ? null : atDecision.metrics(learner.step()));
        forward(LearningTopology.COMMAND_RESULTS_SINK, modelId, result.setApplied(true)
                .setTrainingStep(learner.step()).setFingerprint(applied.fingerprint()).build(), now);
    }

    /** Gives the model a fresh watch (empty curve, detectors from scratch); returns a CLEARED event per alert that was active. */
    private List<AlertEvent> restartWatch(String modelId, long step, String cause) {
        List<AlertEvent> cleared = watch(modelId).alerts().clearAll(step, cause);
        ModelMonitor fresh = ModelMonitor.fresh(alertConfig);
        watches.put(modelId, fresh);
        fresh.write(watchStore, watchParts, modelId);
        return cleared;
    }

    /**
     * What the PostgreSQL tables show of the model after a step or a command: one agent-performance
     * row per roster agent and, when asked, a weight snapshot.
     */
    private void emitTables(String modelId, Learner learner, boolean snapshot, long sourceOffset, long now) {
        unpublished.remove(modelId);
        emitAgentPerformance(modelId, learner, sourceOffset, now);
        if (snapshot) emitSnapshot(modelId, learner, sourceOffset, now);
    }

    private void emitAgentPerformance(String modelId, Learner learner, long sourceOffset, long now) {
        for (AgentPerformance row : OutputRecords.agentPerformance(modelId, learner, sourceOffset, Instant.ofEpochMilli(now))) {
            forward(LearningTopology.AGENT_PERFORMANCE_SINK, modelId + ":" + row.getAgentId(), row, now);
        }
    }

    private void emitSnapshot(String modelId, Learner learner, long sourceOffset, long now) {
        forward(LearningTopology.WEIGHT_SNAPSHOTS_SINK, modelId,
                OutputRecords.weightSnapshot(modelId, learner, sourceOffset, Instant.ofEpochMilli(now)), now);
    }

    /** Decoding ~20 KB of curve every step took more time than the step itself: decoded once, then kept. */
    private ModelMonitor watch(String modelId) {
        return watches.computeIfAbsent(modelId, id -> {
            ModelMonitor stored = ModelMonitor.read(watchStore, watchParts, id, alertConfig);
            return stored == null ? ModelMonitor.fresh(alertConfig) : stored;
        });
    }

    private void emitAlert(String modelId, AlertEvent alert) {
        log.info("model '{}' alert {} {} at step {}: {}", modelId, alert.type().id(), alert.state(),
                alert.trainingStep(), alert.message());
        long now = context.currentSystemTimeMs();
        forward(LearningTopology.ALERTS_SINK, modelId, OutputRecords.alert(modelId, alert, Instant.ofEpochMilli(now)), now);
    }

    private void emit(String modelId, TrainingExample example, Learner learner, StepResult step,
                      ModelMonitor.Settled settled, String fingerprint) {
        long now = context.currentSystemTimeMs();
        Instant at = Instant.ofEpochMilli(now);
        forward(LearningTopology.WEIGHTS_UPDATED_SINK, modelId,
                OutputRecords.weightsUpdated(modelId, step, settled, fingerprint, source, at), now);
        forward(LearningTopology.TRAINING_LOG_SINK, modelId, OutputRecords.trainingLog(modelId, example, step, source, at), now);
        if (step.step() % snapshotEvery == 0) emitSnapshot(modelId, learner, source.offset(), now);
        unpublished.put(modelId, source.offset());
    }

    private void forward(String sink, String key, Object value, long timestamp) {
        context.forward(new Record<Object, Object>(key, value, timestamp), sink);
    }
}
