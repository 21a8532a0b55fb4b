package io.pim.metalearner.sink;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the writer stands in its group: the offsets it commits once a poll has landed, the
 * positions it commits past transaction markers, and, when the assignment changed while it
 * waited, the committed offsets it goes back to. It is the consumer's rebalance listener, so it
 * knows when that happened. Writer thread only (the listener runs inside poll).
 */
final class GroupOffsets implements ConsumerRebalanceListener {
    private static final Logger log = LoggerFactory.getLogger(GroupOffsets.class);

    private final Consumer<byte[], byte[]> consumer;
    // what this writer last committed per partition
    private final Map<TopicPartition, Long> committedPositions = new HashMap<>();
    private boolean assignmentChanged;

    GroupOffsets(Consumer<byte[], byte[]> consumer) {
        this.consumer = consumer;
    }

    /** A revoked partition's last committed position is forgotten: its next owner commits its own. */
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) return;
        assignmentChanged = true;
        partitions.forEach(committedPositions::remove);
        log.info("Partitions revoked: {}", partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) return;
        assignmentChanged = true;
        log.info("Partitions assigned: {}", partitions);
    }

    /** Forgets earlier rebalances: only one during the new poll's retries drops its records. */
    void watchForRebalance() {
        assignmentChanged = false;
    }

    /**
     * After a rebalance the records in hand may now be another writer's, and a partition kept may
     * have been reset: they are dropped and every partition is sought back to its committed offset
     * (the rows are upserts: reading them again is harmless, skipping them is not). Returns
     * whether that happened.
     */
    boolean rewoundAfterRebalance(ConsumerRecords<byte[], byte[]> inHand) {
        if (!assignmentChanged) return false;
        assignmentChanged = false;
        rewindToCommitted(inHand);
        return true;
    }

    /** Records polled while waiting are read again later: each partition goes back to its first one. */
    void seekBack(ConsumerRecords<byte[], byte[]> polled) {
        for (TopicPartition partition : polled.partitions()) consumer.seek(partition, polled.records(partition).get(0).offset());
    }

    private void rewindToCommitted(ConsumerRecords<byte[], byte[]> dropped) {
        Set<TopicPartition> assigned = consumer.assignment();
        if (!assigned.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
            for (TopicPartition partition : assigned) {
                OffsetAndMetadata at = committed.get(partition);
                if (at != null) {
                    consumer.seek(partition, at.offset());
                } else if (dropped != null && !dropped.records(partition).isEmpty()) {
                    consumer.seek(partition, dropped.records(partition).get(0).offset());
                }
            }
        }
        log.info("The group's assignment changed while waiting: {}now reading {} from their committed offsets",
                dropped == null ? "" : "the " + dropped.count() + " records in hand are dropped, ", assigned);
    }

    /**
     * A topic written in transactions ends with a commit marker, which a poll steps over without
     * returning a record. Committing only "last record + 1" would leave the group one offset
     * behind the end forever, and {@link CatchUpCheck} would never see lag 0; so on an empty
     * poll the position, moved only past markers (or aborted records), is committed too.
     */
    void commitPositionsPastMarkers() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
            long position = consumer.position(partition);
            Long committed = committedPositions.get(partition);
            if (committed == null || position > committed) offsets.put(partition, new OffsetAndMetadata(position));
        }
        if (offsets.isEmpty()) return;
        try {
            consumer.commitSync(offsets);
            offsets.forEach((partition, offset) -> committedPositions.put(partition, offset.offset()));
        } catch (RebalanceInProgressException | CommitFailedException rebalancing) {
            log.debug("Position commit refused during a rebalance; tried again on the next empty poll", rebalancing);
        }
    }

    /** Commits past a poll whose rows are in the database and whose dead letters the broker has taken. */
    void commitLanded(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> inPartition = records.records(partition);
            offsets.put(partition, new OffsetAndMetadata(inPartition.get(inPartition.size() - 1).offset() + 1));
        }
        try {
            consumer.commitSync(offsets);
            offsets.forEach((partition, offset) -> committedPositions.put(partition, offset.offset()));
        } catch (RebalanceInProgressException | CommitFailedException rebalancing) {
            // the rows are in the database, the offsets did not move: the batch is read again (by this writer
            // or the partition's next owner) and upserted again, which changes nothing
            log.warn("Offset commit refused during a rebalance ({}); the batch of {} records will be read again",
                    rebalancing.getMessage(), records.count());
            Set<TopicPartition> assigned = consumer.assignment();
            for (TopicPartition partition : records.partitions()) {
                if (assigned.contains(partition)) consumer.seek(partition, records.records(partition).get(0).offset());
            }
        }
    }
}
