package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.ModelPartitions;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.CommandResult;
import io.pim.metalearner.avro.CommandType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Issues model commands (reset, rollback, promote, restore) and waits for their outcome: publishes a {@link Command} on the commands
 * topic and reads the matching {@link CommandResult} (applied or rejected with a reason). One
 * class behind the CLI subcommands and the admin HTTP endpoints. Also reads a model's current
 * state for an export.
 */
public final class CommandClient implements AutoCloseable {
    private final ServiceConfig config;
    private final Topics topics;
    private final String issuedBy;
    private final KafkaClients clients;
    private final KafkaProducer<String, Command> producer;

    /** @param issuedBy recorded on each command (e.g. {@code cli}, {@code http}) */
    public CommandClient(ServiceConfig config, String issuedBy) {
        this.config = config;
        this.topics = Topics.of(config);
        this.issuedBy = issuedBy;
        this.clients = new KafkaClients(config);
        this.producer = clients.producer("metalearner-ops-" + issuedBy, topics.commands().keySerde().serializer(),
                topics.commands().valueSerde().serializer(), Map.of());
    }

    public static Command.Builder command(CommandType type, String modelId) {
        return Command.newBuilder().setCommandId(UUID.randomUUID().toString()).setModelId(modelId).setType(type)
                .setIssuedAt(Instant.now());
    }

    public static Command reset(String modelId) {
        return command(CommandType.RESET, modelId).build();
    }

    public static Command rollback(String modelId, long toStep) {
        return command(CommandType.ROLLBACK, modelId).setToStep(toStep).build();
    }

    public static Command restore(String modelId, byte[] state) {
        return command(CommandType.RESTORE, modelId).setState(ByteBuffer.wrap(state)).build();
    }

    public static Command promote(String candidate, String live) {
        return command(CommandType.PROMOTE, live).setFromModel(candidate).build();
    }

    public static Command installCandidate(String candidate, String live, byte[] state, long caughtUpOffset) {
        return command(CommandType.INSTALL_CANDIDATE, candidate).setFromModel(live).setState(ByteBuffer.wrap(state))
                .setCaughtUpOffset(caughtUpOffset).build();
    }

    /**
     * Publishes the command and waits for its result.
     *
     * @throws TimeoutException if no result arrives within {@code timeout} (the service may be down:
     *                          the command stays on the topic and is applied when it is back)
     */
    public CommandResult send(Command command, Duration timeout) throws TimeoutException, InterruptedException {
        command.setIssuedBy(issuedBy);
        Deserializer<CommandResult> results = topics.commandResults().valueSerde().deserializer();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("metalearner-ops-results",
                new ByteArrayDeserializer(), new ByteArrayDeserializer(), Map.of())) {
            // every partition: the result is keyed by the command's model, which for a candidate is
            // not the key it was routed by, and the topic may predate the partition count
            List<TopicPartition> partitions = consumer.partitionsFor(topics.commandResults().name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the ends now: the result comes after them
            try {
                producer.send(new ProducerRecord<>(topics.commands().name(), ModelPartitions.commandKey(command),
                        command)).get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot publish the command: " + e.getCause().getMessage(), e.getCause());
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    CommandResult result = results.deserialize(record.topic(), record.value());
                    if (result.getCommandId().equals(command.getCommandId())) return result;
                }
            }
            throw new TimeoutException("no result for command " + command.getCommandId() + " within " + timeout
                    + "; it stays on topic '" + topics.commands().name() + "' and applies when the service runs");
        } finally {
            results.close();
        }
    }

    /**
     * The end of the model's partition of the training topic (read_committed), as a position
     * ({@link TrainingReplay#caughtUp}): a candidate that learned none of the model's past records is
     * caught up to here ({@code pretrain}).
     */
    public long trainingEnd(String modelId) {
        String training = topics.training().name();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("metalearner-ops-end",
                new ByteArrayDeserializer(), new ByteArrayDeserializer(), Map.of())) {
            TopicPartition partition = new TopicPartition(training, ModelPartitions.of(modelId, training, consumer));
            consumer.assign(List.of(partition));
            return TrainingReplay.caughtUp(consumer, partition, consumer.endOffsets(List.of(partition)).get(partition));
        }
    }

    /**
     * The model's newest committed learner state, read from the learner store's changelog
     * ({@code <application.id>-learner-changelog}): what the service holds now, service running or not.
     * The model's own partition is read first; a candidate lives in its live model's task, so
     * when the model is not there the other partitions are read too.
     */
    public Optional<byte[]> currentState(String modelId) {
        return newestInChangelog(LearningTopology.LEARNER_STORE, modelId);
    }

    /** The live model's race with its shadow candidates as last committed ({@link LearningTopology#RACE_STORE}); empty if it has none. */
    public Optional<byte[]> currentRace(String modelId) {
        return newestInChangelog(LearningTopology.RACE_STORE, modelId);
    }

    private Optional<byte[]> newestInChangelog(String store, String modelId) {
        String changelog = config.applicationId() + "-" + store + "-changelog";
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer("metalearner-ops-export",
                Serdes.String().deserializer(), new ByteArrayDeserializer(), Map.of())) {
            if (consumer.partitionsFor(changelog).isEmpty()) return Optional.empty();
            int own = ModelPartitions.of(modelId, changelog, consumer);
            Optional<byte[]> found = newest(consumer, new TopicPartition(changelog, own), modelId);
            if (found.isPresent()) return found;
            for (var info : consumer.partitionsFor(changelog)) {
                if (info.partition() == own) continue;
                found = newest(consumer, new TopicPartition(changelog, info.partition()), modelId);
                if (found.isPresent()) return found;
            }
            return Optional.empty();
        }
    }

    /** The newest value of {@code modelId} in one changelog partition; a tombstone (null) deletes. */
    private static Optional<byte[]> newest(KafkaConsumer<String, byte[]> consumer, TopicPartition partition, String modelId) {
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        long end = consumer.endOffsets(List.of(partition)).get(partition);
        byte[] newest = null;
        while (consumer.position(partition) < end) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (modelId.equals(record.key())) newest = record.value();
            }
        }
        return Optional.ofNullable(newest);
    }

    @Override
    public void close() {
        producer.close();
    }
}
