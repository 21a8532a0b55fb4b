package io.pim.metalearner.kafka;

import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandType;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Which partition holds a model. Every model-keyed record (training, commands, outputs, the
 * training task's changelogs) is placed by Kafka's default partitioner on the model id's UTF-8
 * bytes: {@code toPositive(murmur2(key)) % partitions}, the same function the producer's
 * {@code BuiltInPartitioner.partitionForKey} and a Streams sink without a partitioner use. It is
 * computed here rather than asked of a producer because readers (a replay, an export) hold a
 * consumer, not a producer; the partition count they divide by is asked of the topic's metadata,
 * never taken from the configuration, so a reader follows the topic as it is.
 * {@code ModelPartitionsTest} checks the function against where a producer puts the records.
 */
public final class ModelPartitions {
    private ModelPartitions() {
    }

    /** The partition of {@code modelId} in a topic of {@code partitions} partitions. */
    public static int of(String modelId, int partitions) {
        if (partitions < 1) throw new IllegalArgumentException("a topic has at least 1 partition, not " + partitions);
        return Utils.toPositive(Utils.murmur2(modelId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The partition of {@code modelId} in {@code topic}, whose partition count is read from the cluster's metadata. */
    public static int of(String modelId, String topic, Consumer<?, ?> consumer) {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic);
        if (partitions == null || partitions.isEmpty()) throw new IllegalStateException("topic '" + topic + "' does not exist");
        return of(modelId, partitions.size());
    }

    /**
     * The key a command is published under: the model whose training task applies it. A candidate
     * learns beside its live model, in the live model's task, so installing one is keyed by the
     * live model ({@code from_model}); a promote names the live model already. Every other command
     * is keyed by the model it names.
     */
    public static String commandKey(Command command) {
        if (command.getType() == CommandType.INSTALL_CANDIDATE && command.getFromModel() != null) {
            return command.getFromModel().toString();
        }
        return command.getModelId();
    }
}
