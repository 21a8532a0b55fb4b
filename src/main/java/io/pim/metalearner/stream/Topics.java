package io.pim.metalearner.stream;

import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.Alert;
import io.pim.metalearner.avro.Checkpoint;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import io.pim.metalearner.avro.WeightsUpdated;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.Serdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * The typed topic registry: every topic this service reads or writes, with its serdes, built from
 * the configured names and registry URL. Keys are strings (decision id, model id, or
 * {@code model_id:agent_id}); a dead letter keeps the original key's bytes.
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
                     Topic<String, CommandResult> commandResults) {
    private static final Logger log = LoggerFactory.getLogger(Topics.class);

    public static Topics of(ServiceConfig config) {
        ServiceConfig.TopicNames n = config.topics();
        String url = config.registryUrl();
        return new Topics(
                new Topic<>(n.decisionVotes(), Serdes.String(), AvroSerdes.value(url)),
                new Topic<>(n.tradeClosed(), Serdes.String(), AvroSerdes.value(url)),
                new Topic<>(n.training(), Serdes.String(), AvroSerdes.value(url)),
                new Topic<>(n.weightsUpdated(), Serdes.String(), AvroSerdes.value(url)),
                new Topic<>(n.trainingLog(), Serdes.String(), AvroSerdes.value(url)),
                new Topic<>(n.agentPerformance(), Serdes.String(), AvroSerdes.value(url)),
                new Topic<>(n.weightSnapshots(), Serdes.String(), AvroSerdes.value(url)),
                new Topic<>(n.alerts(), Serdes.String(), AvroSerdes.value(url)),
                new Topic<>(n.deadLetter(), Serdes.ByteArray(), AvroSerdes.value(url)),
                new Topic<>(n.commands(), Serdes.String(), AvroSerdes.value(url)),
                new Topic<>(n.checkpoints(), Serdes.String(), AvroSerdes.value(url)),
                new Topic<>(n.commandResults(), Serdes.String(), AvroSerdes.value(url)));
    }

    /**
     * Commands as the service copies them onto the training topic (same name as {@link #training()},
     * {@code Command} values beside the {@code TrainingExample}s), so they are applied in order with the trades.
     */
    public Topic<String, Command> trainingCommands() {
        return new Topic<>(training.name(), commands.keySerde(), commands.valueSerde());
    }

    /**
     * The topics this service needs, with their settings:
     * <ul>
     * <li>decision-votes and trade-closed: {@code input.partitions} each, the same count, so a
     *     decision's two records meet in one join task;</li>
     * <li>training: one partition (one strictly ordered learner per model) kept forever
     *     ({@code retention.ms=-1}), because it is the canonical record a replay retrains from;</li>
     * <li>agent-performance: compacted, its latest record per agent is what matters;</li>
     * <li>commands: one partition, kept forever (the audit trail; the training topic holds the applied copy);</li>
     * <li>checkpoints: one partition, compacted (key model@step: the newest checkpoint per model and
     *     step stays, a tombstone removes one past {@code checkpoint.keep}), {@code max.message.bytes}
     *     = {@code checkpoint.max-bytes};</li>
     * <li>the other outputs: one partition (they come from the single training task, in step order)
     *     with the cluster's retention.</li>
     * </ul>
     * Kafka Streams creates its own changelog topics; their settings are on the stores
     * ({@link LearningTopology}).
     */
    public static List<NewTopic> required(ServiceConfig config) {
        ServiceConfig.TopicNames n = config.topics();
        short rf = config.replicationFactor();
        int in = config.inputPartitions();
        return List.of(
                new NewTopic(n.decisionVotes(), in, rf),
                new NewTopic(n.tradeClosed(), in, rf),
                new NewTopic(n.training(), 1, rf).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1")),
                new NewTopic(n.weightsUpdated(), 1, rf),
                new NewTopic(n.trainingLog(), 1, rf),
                new NewTopic(n.agentPerformance(), 1, rf)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                new NewTopic(n.weightSnapshots(), 1, rf),
                new NewTopic(n.alerts(), 1, rf),
                new NewTopic(n.deadLetter(), 1, rf),
                new NewTopic(n.commands(), 1, rf).configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1")),
                new NewTopic(n.checkpoints(), 1, rf).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(config.checkpoints().maxBytes()),
                        TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(16 * 1024 * 1024))),
                new NewTopic(n.commandResults(), 1, rf));
    }

    /**
     * Creates the missing topics and checks the existing ones where the topology depends on their
     * shape: training must have one partition, the two inputs the same number.
     */
    public static void create(Admin admin, ServiceConfig config) throws InterruptedException {
        List<NewTopic> wanted = required(config);
        try {
            var existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (NewTopic t : wanted) if (!existing.contains(t.name())) missing.add(t);
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get();
                } catch (ExecutionException e) {
                    // another instance created them first: fine, they are checked below
                    if (!(e.getCause() instanceof TopicExistsException)) throw e;
                }
                log.info("created topics {}", missing.stream().map(NewTopic::name).toList());
            }
            ServiceConfig.TopicNames n = config.topics();
            Map<String, TopicDescription> d = describe(admin, List.of(n.decisionVotes(), n.tradeClosed(), n.training()));
            int training = d.get(n.training()).partitions().size();
            if (training != 1) {
                throw new IllegalStateException("topic '" + n.training() + "' has " + training
                        + " partitions; the training topic must have exactly 1 (one ordered learner per model)");
            }
            int votes = d.get(n.decisionVotes()).partitions().size();
            int trades = d.get(n.tradeClosed()).partitions().size();
            if (votes != trades) {
                throw new IllegalStateException("topics '" + n.decisionVotes() + "' (" + votes + " partitions) and '"
                        + n.tradeClosed() + "' (" + trades + ") must have the same partition count: "
                        + "the join needs both records of a decision on the same partition number");
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create or check topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Just-created topics take a moment to reach every broker's metadata: retry for up to 10 s. */
    private static Map<String, TopicDescription> describe(Admin admin, List<String> names)
            throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try {
                return admin.describeTopics(names).allTopicNames().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) throw e;
                Thread.sleep(100);
            }
        }
    }
}
