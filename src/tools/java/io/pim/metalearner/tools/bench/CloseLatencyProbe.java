package io.pim.metalearner.tools.bench;

import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Close → {@code weights-updated} latency as the committee sees it: from a close's timestamp (set by
 * the publisher when it sends; same machine, same clock) to the moment a read_committed consumer here
 * reads that decision's {@code weights-updated}. Reads both topics from their ends on a thread of its
 * own, so it measures only trades published after it started.
 */
final class CloseLatencyProbe implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<WeightsUpdated> weights;
    private final Deserializer<TradeClosed> closes;
    private final String closedTopic;
    private final Map<String, Long> closedAt = new HashMap<>(), updatedAt = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    CloseLatencyProbe(KafkaClients clients, Topics topics) {
        this.closedTopic = topics.tradeClosed().name();
        this.weights = topics.weightsUpdated().valueSerde().deserializer();
        this.closes = topics.tradeClosed().valueSerde().deserializer();
        this.consumer = clients.consumer("metalearner-latency-probe", new StringDeserializer(), new ByteArrayDeserializer(),
                Map.of());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(closedTopic, topics.weightsUpdated().name())) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the ends now, before anything is published
        this.thread = new Thread(this::run, "latency-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.currentTimeMillis();
                    synchronized (this) {
                        if (r.topic().equals(closedTopic)) {
                            // the decision id from the value: with model-keyed inputs the key is the model
                            closedAt.putIfAbsent(closes.deserialize(r.topic(), r.value()).getDecisionId(), r.timestamp());
                        } else {
                            updatedAt.putIfAbsent(weights.deserialize(r.topic(), r.value()).getDecisionId(), now);
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            if (running) failure = e;
        }
    }

    /**
     * One line: p50/p90/p99/max over the trades closed once {@code warmup} had passed since the first
     * close (every process starts cold: the JIT, the registry lookups, the first transactions), and how
     * many of those closes had no update.
     */
    synchronized String summary(Duration warmup) {
        if (failure != null) throw new IllegalStateException("the latency probe failed: " + failure.getMessage(), failure);
        List<Map.Entry<String, Long>> closes = closesInOrder();
        long from = closes.isEmpty() ? 0 : closes.get(0).getValue() + warmup.toMillis();
        double[] ms = new double[closes.size()];
        int n = 0, missing = 0, skipped = 0;
        for (var close : closes) {
            if (close.getValue() < from) {
                skipped++;
                continue;
            }
            Long seen = updatedAt.get(close.getKey());
            if (seen == null) missing++;
            else ms[n++] = seen - close.getValue();
        }
        if (n == 0) return "close -> weights-updated: no trade measured (" + closes.size() + " closes seen, " + skipped + " in the warm-up)";
        ms = Arrays.copyOf(ms, n);
        Arrays.sort(ms);
        return String.format(Locale.ROOT, "close -> weights-updated (read_committed), %,d trades measured after %,d in the "
                        + "first %d s as warm-up: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms; %d closes without an "
                        + "update (dead-lettered or not yet read)", n, skipped, warmup.toSeconds(), pct(ms, 0.50), pct(ms, 0.90),
                pct(ms, 0.99), ms[n - 1], missing);
    }

    /** Every trade's close time (epoch ms) and latency (ms, empty when no update came), in close order. */
    synchronized void write(Path file) throws IOException {
        List<Map.Entry<String, Long>> closes = closesInOrder();
        try (var out = Files.newBufferedWriter(file)) {
            out.write("closed_at_ms\tdecision_id\tlatency_ms\n");
            for (var close : closes) {
                Long seen = updatedAt.get(close.getKey());
                out.write(close.getValue() + "\t" + close.getKey() + "\t" + (seen == null ? "" : seen - close.getValue()) + "\n");
            }
        }
    }

    /** Decision id and close time, oldest close first. */
    private List<Map.Entry<String, Long>> closesInOrder() {
        List<Map.Entry<String, Long>> closes = new ArrayList<>(closedAt.entrySet());
        closes.sort(Map.Entry.comparingByValue(Comparator.naturalOrder()));
        return closes;
    }

    private static double pct(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
        consumer.close(Duration.ofSeconds(5));
    }
}
