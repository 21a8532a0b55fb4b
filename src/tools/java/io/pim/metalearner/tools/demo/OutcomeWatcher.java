package io.pim.metalearner.tools.demo;

import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.stream.LearningTopology;
import io.pim.metalearner.kafka.SettlementRule;
import io.pim.metalearner.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Watches what the service made of the published trades: every {@code weights-updated} (a trade
 * trained) and every {@code dead-letter} (an input rejected, by reason), read_committed from the
 * beginning, on a background thread. A trade-closed record ends as exactly one of the two, which
 * is how the demo knows it is done ({@link SettlementRule} says which dead letters settle a trade;
 * the others are counted by reason but settle nothing).
 */
public final class OutcomeWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutcomeWatcher.class);

    /** A consistent copy of the counts so far. */
    public record Snapshot(long trained, Map<String, Long> deadLettered, long closesDeadLettered,
                           WeightsUpdated last, Map<String, WeightsUpdated> lastByModel) {
        /** trade-closed records that reached an outcome. */
        public long closesResolved() {
            return trained + closesDeadLettered;
        }

        public long deadLetteredTotal() {
            return deadLettered.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Deserializer<WeightsUpdated> weightsDeserializer;
    private final Deserializer<DeadLetter> deadLetterDeserializer;
    private final String weightsTopic;
    private final SettlementRule settlement;
    private final Consumer<WeightsUpdated> listener;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    private long trained;
    private long closesDeadLettered;
    private final Map<String, Long> deadLettered = new TreeMap<>();
    private WeightsUpdated last;
    private final Map<String, WeightsUpdated> lastByModel = new TreeMap<>();

    /** @param listener called on the watcher's thread for each weights-updated, as it arrives */
    public OutcomeWatcher(KafkaClients clients, Topics topics, Consumer<WeightsUpdated> listener) {
        this.weightsTopic = topics.weightsUpdated().name();
        this.settlement = new SettlementRule(topics);
        this.listener = listener;
        this.weightsDeserializer = topics.weightsUpdated().valueSerde().deserializer();
        this.deadLetterDeserializer = topics.deadLetter().valueSerde().deserializer();
        this.consumer = clients.consumer("metalearner-outcome-watcher", new ByteArrayDeserializer(),
                new ByteArrayDeserializer(), Map.of());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(weightsTopic, topics.deadLetter().name())) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::run, "outcome-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (record.topic().equals(weightsTopic)) {
                        WeightsUpdated update = weightsDeserializer.deserialize(record.topic(), record.value());
                        synchronized (this) {
                            // a trade trained by its model: not a shadow candidate's step on it, nor a command's notice
                            if (!update.getModelId().contains(LearningTopology.CANDIDATE_SEPARATOR)
                                    && !update.getDecisionId().startsWith(LearningTopology.COMMAND_DECISION_PREFIX)) {
                                trained++;
                            }
                            last = update;
                            lastByModel.put(update.getModelId(), update);
                        }
                        listener.accept(update);
                    } else {
                        DeadLetter letter = deadLetterDeserializer.deserialize(record.topic(), record.value());
                        synchronized (this) {
                            deadLettered.merge(letter.getReason(), 1L, Long::sum);
                            if (settlement.settlesATrade(letter)) closesDeadLettered++;
                        }
                    }
                }
            }
        } catch (WakeupException stopping) {
            // close() woke us
        } catch (RuntimeException e) {
            log.error("outcome watcher failed", e);
            failure = e;
        } finally {
            consumer.close();
        }
    }

    public synchronized Snapshot snapshot() {
        if (failure != null) throw new IllegalStateException("outcome watcher failed: " + failure.getMessage(), failure);
        return new Snapshot(trained, Collections.unmodifiableMap(new TreeMap<>(deadLettered)), closesDeadLettered, last,
                Collections.unmodifiableMap(new TreeMap<>(lastByModel)));
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
