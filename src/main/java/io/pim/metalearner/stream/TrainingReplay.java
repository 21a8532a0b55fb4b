package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.AvroTrades;
import io.pim.metalearner.kafka.CheckpointKeys;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.ModelPartitions;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.avro.Command;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.learn.trade.InvalidTradeException;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.trade.Trade;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Replays of the training topic, the canonical ordered record of what every model learned from;
 * a replay reads the one partition that holds the model ({@link ModelPartitions}), and offsets
 * (a candidate's catch-up, {@link Result#endOffset()}) are offsets in that partition.
 * <ul>
 * <li>{@link #fromTopic}: every record through the same {@link TrainingRules} rules as the training
 *     processor (trades, candidates, checkpoints, commands), so the result is byte-identical to
 *     the live learner: same fingerprint. Needs the service's config ({@code checkpoint.*}
 *     decides which checkpoint a rollback finds).</li>
 * <li>{@link #candidate}: a candidate learner (any config) trained on one model's trades only,
 *     from an offset to the end: what {@code replay --as} installs beside the live model.</li>
 * </ul>
 * Votes copied there for scoring are skipped (scoring reads a model, never changes it). A record
 * that fails validation, or whose step the learner refuses, is skipped here as it was
 * dead-lettered live: the same code ({@link AvroTrades#trade}, {@link TrainingRules}) decides.
 */
public final class TrainingReplay {
    /**
     * The replayed learner and what was read for it ({@code endOffset}: the topic's end when the
     * replay started, where a next round reads from; {@code caughtUp}: the position the partition's
     * next record will have at least, what an install of a candidate that learned all of it says).
     */
    public record Result(Learner learner, long records, long skipped, long endOffset, long caughtUp) {
    }

    /** Hears the replay's position in the training topic (for a progress bar). */
    public interface Progress {
        Progress NONE = (position, end) -> { };

        void at(long position, long end);
    }

    private TrainingReplay() {
    }

    /**
     * Replays the whole training topic (read_committed) and returns {@code modelId}'s learner; a
     * configured shadow candidate ({@code <model>~<spec>}) is replayed from its live model's partition.
     */
    public static Result fromTopic(ServiceConfig config, LearnerConfig learnerConfig, String modelId) {
        Run run = new Run(config, learnerConfig, modelId);
        long[] end = read(config, LearningTopology.liveModelOf(modelId), 0, Progress.NONE, run::accept);
        return run.result(end[0], end[1]);
    }

    /**
     * The replay itself: the training topic's records, decoded, fed in order through the same
     * {@link TrainingRules} as the training processor, over memory.
     */
    static final class Run {
        private final MemoryModelStates storage = new MemoryModelStates();
        private final TrainingRules book;
        private final LearnerConfig learnerConfig;
        private final String modelId;
        private long records, skipped;

        Run(ServiceConfig config, LearnerConfig learnerConfig, String modelId) {
            this.book = new TrainingRules(storage, learnerConfig, config.checkpoints(), config.candidates());
            this.learnerConfig = learnerConfig;
            this.modelId = modelId;
        }

        void accept(long offset, Object value) {
            if (value instanceof Command command) {
                try {
                    book.apply(command, offset);
                } catch (TrainingRules.Rejected rejectedLiveToo) {
                    // rejected live as well: nothing changed
                }
            } else if (value instanceof TrainingExample example) {
                // a shadow candidate learns its live model's records
                boolean mine = LearningTopology.liveModelOf(modelId).equals(example.getModelId());
                if (mine) records++;
                if (!train(example, trade -> book.train(example.getModelId(), trade, offset)) && mine) skipped++;
            }
            // DecisionVotes are on the topic to be scored live; a score changes no model, so a replay skips them
        }

        /** Any model's replayed learner (a candidate's too: it learns in its live model's partition); null if none. */
        Learner learner(String id) {
            return storage.learner(id);
        }

        Result result(long end, long caughtUp) {
            Learner learner = storage.learner(modelId);
            // a model with no records is what it would start as
            return new Result(learner == null ? Learner.create(learnerConfig) : learner, records, skipped, end, caughtUp);
        }
    }

    /**
     * Trains {@code learner} in place on {@code modelId}'s trades at offsets from {@code fromOffset}
     * up to the topic's end at the time of the call; commands are not applied (they are about the
     * live model). {@link Result#endOffset()} is where a next round would start.
     */
    public static Result candidate(ServiceConfig config, Learner learner, String modelId, long fromOffset,
                                   Progress progress) {
        long[] records = new long[2];
        long[] end = read(config, modelId, fromOffset, progress, (offset, value) -> {
            if (value instanceof TrainingExample example && modelId.equals(example.getModelId())) {
                records[0]++;
                if (!train(example, learner::train)) records[1]++;
            }
        });
        return new Result(learner, records[0], records[1], end[0], end[1]);
    }

    /** Trains on the example unless it is invalid or its step is refused; false if it was skipped. */
    private static boolean train(TrainingExample example, Consumer<Trade> training) {
        try {
            training.accept(AvroTrades.trade(example.getVotes(), example.getTrade()));
            return true;
        } catch (InvalidTradeException e) {
            return false;
        }
    }

    private interface Handler {
        void accept(long offset, Object value);
    }

    /**
     * Reads {@code modelId}'s partition of the training topic from {@code from} to its end at the
     * time of the call; returns that end and the caught-up position ({@link #caughtUp}). Each record
     * is handed over with its position ({@link TrainingPositions}). The partition holds the model's
     * whole history in order (and other models', which a replay keeps too: a command may name them).
     */
    private static long[] read(ServiceConfig config, String modelId, long from, Progress progress, Handler handler) {
        Topic<String, TrainingExample> training = Topics.of(config).training();
        @SuppressWarnings("unchecked")
        Deserializer<Object> values = (Deserializer<Object>) (Deserializer<?>) training.valueSerde().deserializer();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaClients(config).consumer("metalearner-replay",
                new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000))) {
            TopicPartition partition = new TopicPartition(training.name(),
                    ModelPartitions.of(modelId, training.name(), consumer));
            consumer.assign(List.of(partition));
            consumer.seek(partition, from);
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() >= end) break;
                    Object value;
                    try {
                        value = AvroTrades.decode(values, record.topic(), record.value());
                    } catch (InvalidTradeException unreadable) {
                        continue; // dead-lettered live
                    }
                    handler.accept(TrainingPositions.of(record.headers(), record.offset()), value);
                }
                progress.at(consumer.position(partition), end);
            }
            return new long[] {end, caughtUp(consumer, partition, end)};
        } finally {
            values.close();
        }
    }

    /**
     * The position a record appended to {@code partition} after {@code end} will have at least:
     * one past the last committed record's position when that record carries one (a model-keyed
     * task numbers its records), else {@code end} (later offsets, and positions a task starts
     * numbering at, are at or past it). Reads the partition's tail with the caller's consumer.
     */
    public static long caughtUp(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition, long end) {
        long begin = consumer.beginningOffsets(List.of(partition)).get(partition);
        for (long window = 16; ; window *= 4) {
            long from = Math.max(begin, end - window);
            consumer.seek(partition, from);
            ConsumerRecord<byte[], byte[]> last = null;
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end) last = r;
                }
            }
            if (last != null) {
                return last.headers().lastHeader(TrainingPositions.HEADER) == null
                        ? end : TrainingPositions.of(last.headers(), last.offset()) + 1;
            }
            if (from == begin) return end; // no committed record at all
        }
    }

    /** {@link TrainingRules.ModelStates} in maps: the replay keeps every model, as the live stores do. */
    private static final class MemoryModelStates implements TrainingRules.ModelStates {
        private final Map<String, Learner> learners = new HashMap<>();
        private final Map<String, String> fingerprints = new HashMap<>();
        private final Map<String, TrainingRules.CandidatesAndOffset> followers = new HashMap<>();
        private final NavigableMap<String, byte[]> checkpoints = new TreeMap<>();

        @Override
        public Learner learner(String modelId) {
            return learners.get(modelId);
        }

        @Override
        public void putLearner(String modelId, Learner learner, byte[] state, String fingerprint) {
            learners.put(modelId, learner);
            fingerprints.put(modelId, fingerprint);
        }

        @Override
        public String fingerprint(String modelId) {
            return fingerprints.get(modelId);
        }

        @Override
        public TrainingRules.CandidatesAndOffset candidatesAndOffset(String modelId) {
            return followers.getOrDefault(modelId, TrainingRules.CandidatesAndOffset.NONE);
        }

        @Override
        public void putCandidatesAndOffset(String modelId, TrainingRules.CandidatesAndOffset f) {
            followers.put(modelId, f);
        }

        @Override
        public void putCheckpoint(String modelId, long step, byte[] state) {
            checkpoints.put(CheckpointKeys.key(modelId, step), state);
        }

        @Override
        public byte[] checkpointAtOrBefore(String modelId, long step) {
            for (var e : checkpoints.subMap(CheckpointKeys.key(modelId, 0), true, CheckpointKeys.key(modelId, step), true)
                    .descendingMap().entrySet()) {
                if (CheckpointKeys.step(modelId, e.getKey()) >= 0) return e.getValue();
            }
            return null;
        }

        @Override
        public List<Long> deleteCheckpoints(String modelId, long fromStep, long toStep) {
            List<Long> steps = new ArrayList<>();
            for (String key : checkpoints.subMap(CheckpointKeys.key(modelId, fromStep), true, CheckpointKeys.key(modelId, toStep), true)
                    .keySet()) {
                long s = CheckpointKeys.step(modelId, key);
                if (s >= 0) steps.add(s);
            }
            for (long s : steps) checkpoints.remove(CheckpointKeys.key(modelId, s));
            return steps;
        }
    }
}
