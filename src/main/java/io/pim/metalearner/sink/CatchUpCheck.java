package io.pim.metalearner.sink;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Tells that a writer has landed everything produced so far: its database is migrated and its
 * group's committed offsets reach the end of every partition of the topics it lands (checkpoints,
 * commands and command-results once they exist: the service creates them, and a writer may run before). The end is
 * read at read_committed, so a topic written in transactions counts its last commit marker (the
 * writer commits past markers for exactly this reason). The offsets are the group's, read with
 * an admin client, so the check holds whichever member of the group landed the records.
 */
final class CatchUpCheck {
    private final WriterConfig config;
    private final Supplier<Admin> admins;

    CatchUpCheck(WriterConfig config, Supplier<Admin> admins) {
        this.config = config;
        this.admins = admins;
    }

    /** Waits for lag 0 after migration; fails at once with the writer's error if it has stopped on one. */
    void await(Duration timeout, BooleanSupplier migrated, Supplier<Throwable> failure) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admins.get()) {
            while (true) {
                List<String> topics = landed(admin);
                Throwable failed = failure.get();
                if (failed != null) throw new IllegalStateException("JDBI writer failed", failed);
                if (migrated.getAsBoolean() && lag(admin, topics) == 0) return;
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("JDBI writer not caught up after " + timeout + (migrated.getAsBoolean()
                            ? "; lag " + lag(admin, topics) : "; still waiting for the database to migrate it"));
                }
                Thread.sleep(100);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot read offsets from " + config.bootstrapServers(), e.getCause());
        }
    }

    private List<String> landed(Admin admin) throws ExecutionException, InterruptedException {
        Set<String> existing = admin.listTopics().names().get();
        List<String> maybeMissing = config.topics().createdByTheService();
        return config.topics().landed().stream().filter(t -> !maybeMissing.contains(t) || existing.contains(t)).toList();
    }

    private long lag(Admin admin, List<String> topics) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
        admin.describeTopics(topics).allTopicNames().get().forEach((name, description) ->
                description.partitions().forEach(p -> ends.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(ends, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                .forEach((partition, info) -> end.put(partition, info.offset()));
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(config.groupId()).partitionsToOffsetAndMetadata().get();
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            OffsetAndMetadata at = committed.get(e.getKey());
            lag += Math.max(0, e.getValue() - (at == null ? 0 : at.offset()));
        }
        return lag;
    }
}
