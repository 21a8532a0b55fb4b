package io.pim.metalearner.stream;

import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.learn.InvalidTradeException;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Replay: a fresh learner trained on a model's training-topic records, in topic order, from the
 * beginning. The training topic is the canonical record of what a model learned from, so for the
 * live model's id the result is byte-identical to the live learner (same fingerprint); for another
 * config it is a candidate trained on the same history.
 *
 * <p>Records are turned into trades by the same code as the training processor
 * ({@link AvroTrades#trade}); one that fails validation there is skipped here, as it was skipped
 * (dead-lettered) live.
 */
public final class TrainingReplay {
    /** The replayed learner and what it read. */
    public record Result(Learner learner, long records, long skipped, long endOffset) {
    }

    private final Learner learner;
    private final String modelId;
    private long records;
    private long skipped;

    /** A fresh learner with {@code config}, learning from {@code modelId}'s records. */
    public TrainingReplay(LearnerConfig config, String modelId) {
        this.learner = Learner.create(config);
        this.modelId = modelId;
    }

    /** Feeds one training record (any model's: other models' records are passed over). */
    public void accept(String key, TrainingExample example) {
        if (!modelId.equals(key)) return;
        records++;
        try {
            learner.train(AvroTrades.trade(example.getVotes(), example.getTrade()));
        } catch (InvalidTradeException e) {
            skipped++;
        }
    }

    public Learner learner() {
        return learner;
    }

    /**
     * Reads the training topic from offset 0 up to its end at the time of the call
     * (read_committed: aborted transactions of the service are not part of the history).
     */
    public static Result fromTopic(ServiceConfig config, LearnerConfig learnerConfig, String modelId) {
        Topics topics = Topics.of(config);
        Topic<String, TrainingExample> training = topics.training();
        TrainingReplay replay = new TrainingReplay(learnerConfig, modelId);
        Deserializer<String> keys = training.keySerde().deserializer();
        Deserializer<TrainingExample> values = training.valueSerde().deserializer();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000,
                ConsumerConfig.CLIENT_ID_CONFIG, "metalearner-replay-" + modelId),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            // one partition by design (Topics): the whole history of every model, in order
            TopicPartition partition = new TopicPartition(training.name(), 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() >= end) break;
                    replay.accept(keys.deserialize(record.topic(), record.key()),
                            values.deserialize(record.topic(), record.value()));
                }
            }
            return new Result(replay.learner, replay.records, replay.skipped, end);
        } finally {
            keys.close();
            values.close();
        }
    }
}
