package io.pim.metalearner.sink;

import io.pim.metalearner.avro.AgentPerformance;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.kafka.DeadLetters;
import io.pim.metalearner.avro.TrainingLog;
import io.pim.metalearner.avro.WeightSnapshot;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of one poll, deduplicated by primary key (the newest row per key wins; checkpoints in
 * topic order), and what could
 * not be used. {@link BatchDecoder} fills it; {@link BatchLander} may move a row the database
 * refuses to the dead letters, so that a retry of the same batch does not meet it again.
 */
final class Batch {
    private static final Logger log = LoggerFactory.getLogger(Batch.class);

    final Map<List<Object>, Pending<TrainingLog>> trainingLogs = new LinkedHashMap<>();
    final Map<List<Object>, Pending<AgentPerformance>> agentPerformance = new LinkedHashMap<>();
    final Map<List<Object>, Pending<WeightSnapshot>> weightSnapshots = new LinkedHashMap<>();
    final Map<List<Object>, Pending<CommandAudit.Issued>> commands = new LinkedHashMap<>();
    final Map<List<Object>, Pending<CommandAudit.Decided>> commandResults = new LinkedHashMap<>();
    /** In the order of the topic, not deduplicated: a tombstone and a new checkpoint of one key must land in turn. */
    final List<Pending<CheckpointEvent>> checkpoints = new ArrayList<>();
    final List<DeadLetter> deadLetters = new ArrayList<>();
    /** Records that became a row (one superseded within the poll by a newer one for the same row counts too). */
    int records;
    /** Set once the rows are in: a retry for the dead letters' sake must not land them again. */
    boolean landed;

    /**
     * A row and the record it came from (for a dead letter if the database refuses the row), with
     * what makes it newer than another row for the same key: (source_offset, training_step), as
     * the upserts compare them.
     */
    record Pending<T>(T row, ConsumerRecord<byte[], byte[]> record, long sourceOffset, long step) {
        boolean isOlderThan(Pending<T> other) {
            return sourceOffset < other.sourceOffset || (sourceOffset == other.sourceOffset && step < other.step);
        }
    }

    /** Keeps the newer of two rows for one key (the later one of equals: records come in offset order). */
    static <T> void keepNewest(Map<List<Object>, Pending<T>> rows, List<Object> key, Pending<T> row) {
        rows.merge(key, row, (held, next) -> next.isOlderThan(held) ? held : next);
    }

    static <T> List<T> rows(Map<List<Object>, Pending<T>> pending) {
        List<T> rows = new ArrayList<>(pending.size());
        for (Pending<T> p : pending.values()) rows.add(p.row());
        return rows;
    }

    /** Sets a record aside for the dead-letter topic with why, keeping its original bytes. */
    void deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, String detail) {
        log.warn("Dead-lettering {}-{}@{}: {} ({})", record.topic(), record.partition(), record.offset(), reason, detail);
        deadLetters.add(DeadLetters.letter(record.topic(), record.partition(), record.offset(), record.key(),
                record.value(), reason, detail, System.currentTimeMillis()));
    }
}
