package io.pim.metalearner.stream;

import io.pim.metalearner.config.InputKeying;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.AvroSerdes;
import io.pim.metalearner.kafka.InputKeys;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.avro.JoinState;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.util.List;
import java.util.Map;

/**
 * The service as one Kafka Streams topology, read top to bottom:
 * <pre>
 * decision-votes ─┐ (bytes)
 *                 ├─ join ──> training (key model id, training.partitions): joined pairs, and valid votes as they came
 * trade-closed ───┘   └────> dead-letter
 * commands ──────────────────> training (copied as they are: bytes)
 * training (bytes) ── train ─> weights-updated, training-log, agent-performance, weight-snapshots, alerts,
 *                        │     checkpoints, command-results, decision-scores, commands (automatic promotions)
 *                        └───> dead-letter
 * </pre>
 * Ops commands are copied onto the training topic under their key (the model whose task applies
 * them, {@link ModelPartitions#commandKey}), so the model's partition orders them with its trades:
 * a replay of that partition applies each command exactly where the live model did.
 * Valid votes are copied there too (their original bytes, keyed by their model), so the training
 * task scores each decision with the model exactly as it stands between two steps
 * ({@code decision-scores}); a replay skips them, since scoring changes nothing.
 * Three sub-topologies meet only through the training topic, the canonical ordered record of what
 * each model learned from: the join runs on {@code input.partitions} tasks, training on
 * {@code training.partitions}, one model always in one of them (one strictly ordered learner).
 * A pure function of the configuration, shared by {@code run}, the embedded demo and the tests.
 */
public final class LearningTopology {
    // Store names are part of the public surface: their changelogs are <application.id>-<store>-changelog.
    public static final String JOIN_STATE_STORE = "join-state";
    public static final String JOIN_DEADLINES_STORE = "join-deadlines";
    public static final String JOIN_COUNTS_STORE = "join-counts";
    public static final String LEARNER_STORE = "learner";
    public static final String TRAINING_COUNTS_STORE = "training-counts";
    /** Per model: alert detector state and recent learning curve ({@link ModelMonitor}): its header... */
    public static final String MODEL_WATCH_STORE = "model-watch";
    /** ...and its curve points and recent scores, one entry each. */
    public static final String MODEL_WATCH_PARTS_STORE = "model-watch-parts";
    /** Per model: the last training offset it learned from and its candidates ({@link TrainingRules.CandidatesAndOffset}). */
    public static final String FOLLOWERS_STORE = "followers";
    /** Learner checkpoints by {@link CheckpointKeys} key, what a rollback restores from. */
    public static final String CHECKPOINTS_STORE = "checkpoints";
    /** Per live model with shadow candidates: their race ({@link ShadowRaces}). */
    public static final String RACE_STORE = "candidate-race";
    /** Per decision whose trade is open: every learner's score at vote time ({@link OpenDecisions}). */
    public static final String OPEN_DECISIONS_STORE = "open-decisions";
    /** Model-keyed inputs: the position the join gives its task's next training record ({@link TrainingPositions}). */
    public static final String TRAINING_POSITIONS_STORE = "training-positions";

    static final String TRAINING_SINK = "to-training";
    /** Model-keyed inputs: every record the join's task trains, as bytes with its position header. */
    static final String TRAINING_RECORDS_SINK = "records-to-training";
    static final String TRAIN_NODE = "train";
    static final String JOIN_DEAD_LETTER_SINK = "join-dead-letters";
    static final String WEIGHTS_UPDATED_SINK = "to-weights-updated";
    static final String TRAINING_LOG_SINK = "to-training-log";
    static final String AGENT_PERFORMANCE_SINK = "to-agent-performance";
    static final String WEIGHT_SNAPSHOTS_SINK = "to-weight-snapshots";
    static final String TRAINING_DEAD_LETTER_SINK = "training-dead-letters";
    static final String ALERTS_SINK = "to-alerts";
    static final String CHECKPOINTS_SINK = "to-checkpoints";
    static final String COMMAND_RESULTS_SINK = "to-command-results";
    static final String COMMANDS_TO_TRAINING_SINK = "commands-to-training";
    static final String VOTES_TO_TRAINING_SINK = "votes-to-training";
    static final String DECISION_SCORES_SINK = "to-decision-scores";
    static final String COMMANDS_SINK = "to-commands";

    /**
     * Changelog of the learner store. One value is the whole learner, ~47 KB for 9 agents
     * (3,905 parameters × 3 floats, plus statistics and windows), growing by ~2.3 KB per agent:
     * <ul>
     * <li>{@code max.message.bytes} 2 MiB: room for rosters of several hundred agents, far below
     *     what would make restore or replication slow;</li>
     * <li>{@code cleanup.policy=compact}: only the newest learner per model matters;</li>
     * <li>{@code segment.bytes} 16 MiB and {@code segment.ms} 10 min: compaction only cleans closed
     *     segments, and with the store's cache a value is written once per commit, so small,
     *     time-bounded segments let compaction keep the topic (and a restore) at a few hundred
     *     records instead of the 1 GiB / 7 days default.</li>
     * </ul>
     */
    static final Map<String, String> LEARNER_CHANGELOG = Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(2 * 1024 * 1024),
            TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(16 * 1024 * 1024),
            TopicConfig.SEGMENT_MS_CONFIG, Long.toString(10 * 60 * 1000L));

    private LearningTopology() {
    }

    /** The decision id prefix of a {@code weights-updated} that announces an applied command, not a trained trade. */
    public static final String COMMAND_DECISION_PREFIX = TrainingProcessor.COMMAND_DECISION_PREFIX;

    /** Between a model id and a spec name in the id of a configured shadow candidate. */
    public static final String CANDIDATE_SEPARATOR = "~";

    /** The id of the shadow candidate that the spec named {@code specName} makes for {@code modelId}: {@code <model>~<spec>}. */
    public static String candidateId(String modelId, String specName) {
        return modelId + CANDIDATE_SEPARATOR + specName;
    }

    /**
     * The model whose task trains {@code modelId}: for a configured shadow candidate its live model
     * (the part before the last {@link #CANDIDATE_SEPARATOR}), else the model itself.
     */
    public static String liveModelOf(String modelId) {
        int at = modelId.lastIndexOf(CANDIDATE_SEPARATOR);
        return at > 0 ? modelId.substring(0, at) : modelId;
    }

    /** The model a decision trains, its key on the training topic: the one it names, else the default model. */
    public static String modelIdOf(String named, String defaultModelId) {
        return InputKeys.modelOf(named, defaultModelId);
    }

    public static Topology build(ServiceConfig config) {
        return build(config, Topics.of(config));
    }

    public static Topology build(ServiceConfig config, Topics topics) {
        return build(config, topics, StepListener.NONE);
    }

    /** {@code listener} hears every step and count of this instance (metrics); it does not change the topology. */
    public static Topology build(ServiceConfig config, Topics topics, StepListener listener) {
        return build(config, topics, listener, TrainingEnds.NONE);
    }

    /**
     * The end offset of a training partition, asked when a task first numbers its records with
     * model-keyed inputs (positions continue from there, {@link TrainingPositions}).
     */
    @FunctionalInterface
    public interface TrainingEnds {
        /** For a topology that never reads it, or a training topic known to be empty. */
        TrainingEnds NONE = partition -> 0L;

        long of(int partition);
    }

    /**
     * With {@code input.keying=model-id} the join, the commands and training form one sub-topology:
     * <pre>
     * decision-votes ─┐ (key model id, training.partitions)
     * trade-closed ───┼─ join ─┬─> training (bytes, position header): pairs, valid votes, commands, in training order
     * commands ───────┘        └─> train (the same records, in the same transaction) ─> the outputs as above
     * </pre>
     * and the training topic is written, not read: it stays the canonical record a replay reads.
     */
    public static Topology build(ServiceConfig config, Topics topics, StepListener listener, TrainingEnds ends) {
        boolean byModel = config.inputKeying() == InputKeying.MODEL_ID;
        Topology t = new Topology();

        // 1. The join. Inputs are consumed as raw bytes and decoded inside the processor, so an
        //    undecodable record becomes a dead letter, not a failed task.
        t.addSource("decision-votes", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                topics.decisionVotes().name());
        t.addSource("trade-closed", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                topics.tradeClosed().name());
        if (byModel) {
            t.addSource("commands", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                    topics.commands().name());
            t.addProcessor("join", () -> new JoinProcessor(config, topics, listener, ends), "decision-votes", "trade-closed", "commands");
            t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TRAINING_POSITIONS_STORE),
                    Serdes.String(), Serdes.Long()).withCachingEnabled(), "join");
            t.addSink(TRAINING_RECORDS_SINK, topics.training().name(),
                    Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), "join");
            t.addProcessor(TRAIN_NODE, () -> new TrainingProcessor(config, topics, listener), "join");
        } else {
            t.addProcessor("join", () -> new JoinProcessor(config, topics, listener, ends), "decision-votes", "trade-closed");
        }
        t.addStateStore(joinStateStore(config), "join");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JOIN_DEADLINES_STORE),
                Serdes.Bytes(), Serdes.ByteArray()), "join");
        t.addStateStore(countsStore(JOIN_COUNTS_STORE), "join");
        t.addSink(JOIN_DEAD_LETTER_SINK, topics.deadLetter().name(),
                topics.deadLetter().keySerde().serializer(), topics.deadLetter().valueSerde().serializer(), "join");
        if (!byModel) {
            t.addSink(TRAINING_SINK, topics.training().name(),
                    topics.training().keySerde().serializer(), topics.training().valueSerde().serializer(), "join");
            // valid votes, as the bytes they came in (their registry frame included), for scoring in order with training
            t.addSink(VOTES_TO_TRAINING_SINK, topics.training().name(),
                    Serdes.String().serializer(), Serdes.ByteArray().serializer(), "join");

            // 2. Commands join the trades on the training topic, unchanged; the training step decodes them.
            t.addSource("commands", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                    topics.commands().name());
            t.addSink(COMMANDS_TO_TRAINING_SINK, topics.training().name(),
                    Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), "commands");

            // 3. Training: a model's records in one partition, so one ordered learner per model; bytes again, for the same reason.
            t.addSource("training", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                    topics.training().name());
            t.addProcessor(TRAIN_NODE, () -> new TrainingProcessor(config, topics, listener), "training");
        }
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LEARNER_STORE),
                        Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(LEARNER_CHANGELOG), "train");
        for (String watch : List.of(MODEL_WATCH_STORE, MODEL_WATCH_PARTS_STORE)) {
            t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(watch),
                            Serdes.String(), Serdes.ByteArray())
                    .withCachingEnabled()
                    .withLoggingEnabled(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)), "train");
        }
        t.addStateStore(countsStore(TRAINING_COUNTS_STORE), "train");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FOLLOWERS_STORE),
                        Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)), "train");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CHECKPOINTS_STORE),
                        Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(LEARNER_CHANGELOG), "train");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RACE_STORE),
                        Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(LEARNER_CHANGELOG), "train");
        // not cached, like the join's: an entry is written once and read once when its trade settles
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(OPEN_DECISIONS_STORE),
                        Serdes.String(), Serdes.ByteArray())
                .withLoggingEnabled(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)), "train");
        t.addSink(WEIGHTS_UPDATED_SINK, topics.weightsUpdated().name(),
                topics.weightsUpdated().keySerde().serializer(), topics.weightsUpdated().valueSerde().serializer(), "train");
        t.addSink(TRAINING_LOG_SINK, topics.trainingLog().name(),
                topics.trainingLog().keySerde().serializer(), topics.trainingLog().valueSerde().serializer(), "train");
        t.addSink(AGENT_PERFORMANCE_SINK, topics.agentPerformance().name(),
                topics.agentPerformance().keySerde().serializer(), topics.agentPerformance().valueSerde().serializer(),
                "train");
        t.addSink(WEIGHT_SNAPSHOTS_SINK, topics.weightSnapshots().name(),
                topics.weightSnapshots().keySerde().serializer(), topics.weightSnapshots().valueSerde().serializer(),
                "train");
        t.addSink(ALERTS_SINK, topics.alerts().name(),
                topics.alerts().keySerde().serializer(), topics.alerts().valueSerde().serializer(), "train");
        t.addSink(CHECKPOINTS_SINK, topics.checkpoints().name(),
                topics.checkpoints().keySerde().serializer(), topics.checkpoints().valueSerde().serializer(), "train");
        t.addSink(COMMAND_RESULTS_SINK, topics.commandResults().name(),
                topics.commandResults().keySerde().serializer(), topics.commandResults().valueSerde().serializer(), "train");
        t.addSink(TRAINING_DEAD_LETTER_SINK, topics.deadLetter().name(),
                topics.deadLetter().keySerde().serializer(), topics.deadLetter().valueSerde().serializer(), "train");
        t.addSink(DECISION_SCORES_SINK, topics.decisionScores().name(),
                topics.decisionScores().keySerde().serializer(), topics.decisionScores().valueSerde().serializer(), "train");
        // an automatic promotion: a command like an operator's, in the step's transaction
        t.addSink(COMMANDS_SINK, topics.commands().name(),
                topics.commands().keySerde().serializer(), topics.commands().valueSerde().serializer(), "train");
        return t;
    }

    /**
     * Values are Avro through the registry like every other record, so the state can evolve.
     * The two join stores are not cached: each decision's entries are written a few times and then
     * sit for up to the TTL, so a cache saves almost no writes, and its entries (one per pending
     * decision) would fill the stream thread's shared cache, whose eviction then writes the
     * learner's ~47 KB to its changelog on every step instead of once per commit.
     */
    private static StoreBuilder<KeyValueStore<String, JoinState>> joinStateStore(ServiceConfig config) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JOIN_STATE_STORE),
                Serdes.String(), AvroSerdes.<JoinState>value(config.registryClient()));
    }

    private static StoreBuilder<KeyValueStore<String, Long>> countsStore(String name) {
        // cached: a counter bumped per record reaches RocksDB and its changelog once per commit,
        // not once per increment (several changelog records per trade without it)
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.Long())
                .withCachingEnabled();
    }
}
