package io.pim.metalearner.kafka;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.Alert;
import io.pim.metalearner.avro.Checkpoint;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.DecisionScore;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.config.ConfigParts;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.util.List;
import java.util.Map;

/**
 * The typed topic registry: every topic this service reads or writes, with its config key, name,
 * serdes and creation spec, built from the configuration. Topic creation ({@link TopicAdmin}), the
 * topology, the publisher, the gateway, the model commands and the demo all take it from here.
 * Keys are strings (decision id, model id, or {@code model_id:agent_id}); a dead letter keeps the
 * original key's bytes. The specs:
 * <ul>
 * <li>decision-votes and trade-closed: {@code input.partitions} each, the same count, so a
 *     decision's two records meet in one join task; keyed by model ({@code input.keying=model-id}),
 *     {@code training.partitions}, so a model's inputs, commands and training records share one task;</li>
 * <li>training: {@code training.partitions}, keyed by model id, so one model's records stay in one
 *     partition (one strictly ordered learner per model, {@link ModelPartitions}) while models spread
 *     over tasks and instances; kept forever ({@code retention.ms=-1}), because it is the canonical
 *     record a replay retrains from;</li>
 * <li>commands: {@code training.partitions}, keyed by the model whose task applies them
 *     ({@link ModelPartitions#commandKey}), kept forever (the audit trail; the training topic holds
 *     the applied copy, re-partitioned there by its key, so the two need not match);</li>
 * <li>agent-performance: compacted, its latest record per agent is what matters;</li>
 * <li>checkpoints: compacted (key model@step), {@code max.message.bytes} = {@code checkpoint.max-bytes};</li>
 * <li>every per-model output (weights-updated, training-log, agent-performance, weight-snapshots,
 *     alerts, checkpoints, command-results): {@code training.partitions}, written by the model's
 *     training task, so one model's records are in step order within their partition;</li>
 * <li>decision-scores: {@code training.partitions}, written by the model's training task; key
 *     decision id, so a consumer that wants one decision's score finds it by key;</li>
 * <li>dead-letter: one partition, the cluster's retention.</li>
 * </ul>
 * The inputs' key contract ({@link InputKeys}) is part of the registry, so every producer keys as
 * the service expects. Kafka Streams creates its own changelog topics; their settings are on the
 * stores ({@link LearningTopology}).
 */
public record Topics(Topic<String, DecisionVotes> decisionVotes,
                     Topic<String, TradeClosed> tradeClosed,
                     Topic<String, TrainingExample> training,
                     Topic<String, WeightsUpdated> weightsUpdated,
                     Topic<String, TrainingLog> trainingLog,
                     Topic<String, AgentPerformance> agentPerformance,
                     Topic<String, WeightSnapshot> weightSnapshots,
                     Topic<String, Alert> alerts,
                     Topic<byte[], DeadLetter> deadLetter,
                     Topic<String, Command> commands,
                     Topic<String, Checkpoint> checkpoints,
                     Topic<String, CommandResult> commandResults,
                     Topic<String, DecisionScore> decisionScores,
                     InputKeys inputKeys) {

    private static final Map<String, String> KEEP_FOREVER = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");
    private static final Map<String, String> COMPACTED =
            Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);

    public static Topics of(ServiceConfig config) {
        int in = config.inputTopicPartitions();
        Map<String, String> checkpoints = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(config.checkpoints().maxBytes()),
                TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(16 * 1024 * 1024));
        int models = config.trainingPartitions();
        Registry r = new Registry(config);
        return new Topics(
                r.topic("decision-votes", Topic.Spec.of(in)),
                r.topic("trade-closed", Topic.Spec.of(in)),
                r.topic("training", new Topic.Spec(models, KEEP_FOREVER)),
                r.topic("weights-updated", Topic.Spec.of(models)),
                r.topic("training-log", Topic.Spec.of(models)),
                r.topic("agent-performance", new Topic.Spec(models, COMPACTED)),
                r.topic("weight-snapshots", Topic.Spec.of(models)),
                r.topic("alerts", Topic.Spec.of(models)),
                new Topic<>(key("dead-letter"), config.topicName("dead-letter"), Serdes.ByteArray(),
                        AvroSerdes.value(config.registryClient()), Topic.Spec.of(1)),
                r.topic("commands", new Topic.Spec(models, KEEP_FOREVER)),
                r.topic("checkpoints", new Topic.Spec(models, checkpoints)),
                r.topic("command-results", Topic.Spec.of(models)),
                r.topic("decision-scores", Topic.Spec.of(models)),
                new InputKeys(config.inputKeying(), config.defaultModelId()));
    }

    /** Every topic, in the order of {@link ConfigParts#TOPICS}. */
    public List<Topic<?, ?>> all() {
        return List.of(decisionVotes, tradeClosed, training, weightsUpdated, trainingLog, agentPerformance,
                weightSnapshots, alerts, deadLetter, commands, checkpoints, commandResults, decisionScores);
    }

    /** The two topics the broker side publishes: the join needs them co-partitioned. */
    public List<Topic<?, ?>> inputs() {
        return List.of(decisionVotes, tradeClosed);
    }

    /**
     * Commands as the service copies them onto the training topic (same name as {@link #training()},
     * {@code Command} values beside the {@code TrainingExample}s), so they are applied in order with the trades.
     */
    public Topic<String, Command> trainingCommands() {
        return new Topic<>(training.configKey(), training.name(), commands.keySerde(), commands.valueSerde(), null);
    }

    /**
     * The training topic as it is read: each value is the writer schema's class, a
     * {@code TrainingExample}, a {@code Command} or the {@code DecisionVotes} copied there to be scored.
     */
    public Topic<String, SpecificRecord> trainingRecords() {
        @SuppressWarnings("unchecked")
        Serde<SpecificRecord> any = (Serde<SpecificRecord>) (Serde<?>) training.valueSerde();
        return new Topic<>(training.configKey(), training.name(), training.keySerde(), any, null);
    }

    private static String key(String defaultName) {
        return ConfigParts.TOPIC_PREFIX + defaultName;
    }

    /** Builds string-keyed Avro topics from the config's names and registry. */
    private record Registry(ServiceConfig config) {
        <V extends SpecificRecord> Topic<String, V> topic(String defaultName, Topic.Spec spec) {
            Serde<V> values = AvroSerdes.value(config.registryClient());
            return new Topic<>(key(defaultName), config.topicName(defaultName), Serdes.String(), values, spec);
        }
    }
}
