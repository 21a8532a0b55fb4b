package io.pim.metalearner.tools.bench;

import io.pim.metalearner.testing.TestConsumers;
import io.pim.metalearner.avro.DecisionScore;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.tools.embedded.EmbeddedStack;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import io.pim.metalearner.kafka.FeedbackEvents;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.kafka.TradePublisher;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Latency of decision scores (not a unit test): votes in, {@code decision-scores} out, measured
 * from outside as the committee sees it, on the embedded stack of the demo (in-JVM broker,
 * Apicurio, the learning service under exactly_once_v2).
 * <ol>
 * <li>Warm-up: decisions and their closes at full speed, untimed, so the JIT is done.</li>
 * <li>Latency: decisions paced at R per second; each decision's votes go out, and the close of the
 *     decision {@code --close-lag} before it, so the model trains between the scores as it would
 *     live. Per decision, the time from handing its votes to the producer (linger 0) to a
 *     read_committed consumer seeing its score.</li>
 * </ol>
 * Run (see docs/BENCHMARKS.md): {@code java ... io.pim.metalearner.tools.bench.DecisionScoreBenchmark
 * [--rate 100] [--latency-seconds 60] [--warmup-trades 20000] [--close-lag 10] [--commit-interval 20ms]}
 */
public final class DecisionScoreBenchmark {
    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchSettings.options(args);
        int rate = Integer.parseInt(a.getOrDefault("rate", "100"));
        int latencySeconds = Integer.parseInt(a.getOrDefault("latency-seconds", "60"));
        int warmupTrades = Integer.parseInt(a.getOrDefault("warmup-trades", "20000"));
        int closeLag = Integer.parseInt(a.getOrDefault("close-lag", "10"));
        Properties settings = new Properties();
        if (a.containsKey("commit-interval")) settings.setProperty("commit.interval", a.get("commit-interval"));
        BenchSettings.addTo(settings);

        try (EmbeddedStack stack = new EmbeddedStack().closeOnExit()) {
            stack.start(settings);
            ServiceConfig config = stack.config();
            Topics topics = Topics.of(config);
            System.out.printf(Locale.ROOT, "stack up: processing.guarantee=exactly_once_v2, commit.interval=%d ms, "
                            + "engine=%s, input partitions=%d, cores=%d%n", config.commitInterval().toMillis(),
                    config.learner().engine(), config.inputTopicPartitions(), Runtime.getRuntime().availableProcessors());
            Map<String, Long> seenAt = new ConcurrentHashMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread reader = new Thread(() -> readScores(config, topics.decisionScores(), seenAt, running), "scores-reader");
            reader.start();
            try (TradePublisher fast = TradePublisher.batch(new KafkaClients(config), topics, 5);
                 TradePublisher paced = TradePublisher.batch(new KafkaClients(config), topics, 0)) {
                if (warmupTrades > 0) {
                    List<FeedbackEvents.Pair> warm = simulate(3, warmupTrades);
                    for (FeedbackEvents.Pair pair : warm) fast.publish(pair);
                    fast.flush();
                    awaitScored(seenAt, warm);
                    System.out.printf(Locale.ROOT, "warm-up: %d decisions scored and closed%n", warmupTrades);
                }

                int n = rate * latencySeconds;
                int warmup = Math.min(n / 10, rate * 5);
                List<FeedbackEvents.Pair> decisions = simulate(2, n);
                Map<String, Long> sentAt = new HashMap<>();
                long period = 1_000_000_000L / rate, start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    long wait = start + i * period - System.nanoTime();
                    // sleep, not spin: a spinning pacer would take one of the two cores from the service
                    if (wait > 0) LockSupport.parkNanos(wait);
                    FeedbackEvents.Pair pair = decisions.get(i);
                    sentAt.put(pair.decisionId(), System.nanoTime());
                    paced.publishVotes(pair);
                    if (i >= closeLag) paced.publishClose(decisions.get(i - closeLag));
                }
                paced.flush();
                awaitScored(seenAt, decisions);
                double[] ms = new double[n - warmup];
                for (int i = warmup; i < n; i++) {
                    String id = decisions.get(i).decisionId();
                    ms[i - warmup] = (seenAt.get(id) - sentAt.get(id)) / 1e6;
                }
                Arrays.sort(ms);
                System.out.printf(Locale.ROOT, "score latency at %d decisions/s (closes %d decisions behind), %d measured "
                                + "(first %d as warm-up): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; load average %.1f%n",
                        rate, closeLag, ms.length, warmup, pct(ms, 0.50), pct(ms, 0.90), pct(ms, 0.99), ms[ms.length - 1],
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                // what each commit costs: a score waits for two (join, training)
                stack.service().streams().metrics().forEach((name, metric) -> {
                    if (name.group().equals("stream-thread-metrics") && name.name().matches("commit-(rate|latency-avg|latency-max)"))
                        System.out.printf(Locale.ROOT, "%s %s %.1f%n", name.tags().get("thread-id").replaceAll(".*-", ""),
                                name.name(), (Double) metric.metricValue());
                });
            } finally {
                running.set(false);
                reader.join();
            }
        }
        System.exit(0);
    }

    private static void readScores(ServiceConfig config, Topic<String, DecisionScore> topic, Map<String, Long> seenAt,
                                   AtomicBoolean running) {
        try (KafkaConsumer<String, DecisionScore> consumer = new KafkaClients(config).consumer("score-bench",
                topic.keySerde().deserializer(), topic.valueSerde().deserializer(),
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            List<TopicPartition> partitions = TestConsumers.fromStart(consumer, topic.name());
            while (running.get()) {
                consumer.poll(Duration.ofMillis(5)).forEach(r -> seenAt.putIfAbsent(r.key(), System.nanoTime()));
            }
        }
    }

    private static List<FeedbackEvents.Pair> simulate(long seed, int n) throws FeedbackEvents.Unmappable {
        TradeSimulator simulator = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, seed, TradeSimulator.Scenario.SKILLS, n);
        List<FeedbackEvents.Pair> pairs = new ArrayList<>(n);
        Instant now = Instant.now();
        while (simulator.hasNext()) pairs.add(FeedbackEvents.parse(simulator.next(), now));
        return pairs;
    }

    private static void awaitScored(Map<String, Long> seenAt, List<FeedbackEvents.Pair> pairs) throws InterruptedException {
        long deadline = System.nanoTime() + 600_000_000_000L;
        String last = pairs.get(pairs.size() - 1).decisionId();
        while (!pairs.stream().allMatch(p -> seenAt.containsKey(p.decisionId()))) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("not every decision scored in 10 min (last " + last + ")");
            Thread.sleep(50);
        }
    }

    private static double pct(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
