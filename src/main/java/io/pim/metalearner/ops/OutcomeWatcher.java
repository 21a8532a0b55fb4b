package io.pim.metalearner.ops;

import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.stream.AvroSerdes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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
 * is how the demo knows it is done: it ends in trade-closed's dead letters (bad close, duplicate,
 * votes rejected or missing, undecodable) or, in the rare case the joined pair fails in training,
 * in the training topic's; both are passed as {@code resolvingTopics}. Dead letters of
 * decision-votes are counted by reason but resolve nothing: their close follows as
 * {@code votes-rejected}.
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
    private final String deadLetterTopic;
    private final List<String> resolvingTopics;
    private final Consumer<WeightsUpdated> listener;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    private long trained;
    private long closesDeadLettered;
    private final Map<String, Long> deadLettered = new TreeMap<>();
    private WeightsUpdated last;
    private final Map<String, WeightsUpdated> lastByModel = new TreeMap<>();

    /**
     * @param resolvingTopics source topics whose dead letters end a trade (trade-closed, training)
     * @param listener called on the watcher's thread for each weights-updated, as it arrives
     */
    public OutcomeWatcher(String bootstrapServers, String registryUrl, String weightsTopic, String deadLetterTopic,
                          List<String> resolvingTopics, Consumer<WeightsUpdated> listener) {
        this.weightsTopic = weightsTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.resolvingTopics = List.copyOf(resolvingTopics);
        this.listener = listener;
        this.weightsDeserializer = AvroSerdes.<WeightsUpdated>value(registryUrl).deserializer();
        this.deadLetterDeserializer = AvroSerdes.<DeadLetter>value(registryUrl).deserializer();
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "metalearner-outcome-watcher"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(weightsTopic, deadLetterTopic)) {
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
                            trained++;
                            last = update;
                            lastByModel.put(update.getModelId(), update);
                        }
                        listener.accept(update);
                    } else {
                        DeadLetter letter = deadLetterDeserializer.deserialize(record.topic(), record.value());
                        synchronized (this) {
                            deadLettered.merge(letter.getReason(), 1L, Long::sum);
                            if (resolvingTopics.contains(letter.getSourceTopic())) closesDeadLettered++;
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
        weightsDeserializer.close();
        deadLetterDeserializer.close();
    }
}
