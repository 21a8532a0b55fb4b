package io.pim.metalearner.tools.bench;

import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.tools.embedded.EmbeddedStack;
import io.pim.metalearner.tools.demo.OutcomeWatcher;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import io.pim.metalearner.kafka.FeedbackEvents;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.kafka.TradePublisher;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * The stream's performance harness (not a unit test): the in-JVM broker, the Apicurio registry and
 * the learning service under exactly_once_v2, measured from outside like a user would see them.
 * <ol>
 * <li>Warm-up: the same path with other trades, untimed, so the JIT is done before the clock runs.</li>
 * <li>Throughput: the votes of N trades are published and consumed by the join first; then the N
 *     closes go in as fast as the producer can send, and the clock stops at the N-th
 *     {@code weights-updated} a read_committed consumer sees.</li>
 * <li>Latency: closes paced at R per second (votes again published and joined beforehand); per
 *     trade, the time from handing the close to the producer (linger 0) to a read_committed
 *     consumer seeing its {@code weights-updated}.</li>
 * </ol>
 * Run (see docs/BENCHMARKS.md): {@code java ... io.pim.metalearner.tools.bench.StreamBenchmark
 * [--trades 100000] [--rate 100] [--latency-seconds 60] [--warmup-trades 20000] [--commit-interval 20ms]
 * [--stream-threads 2]}
 */
public final class StreamBenchmark {
    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchSettings.options(args);
        int trades = Integer.parseInt(a.getOrDefault("trades", "100000"));
        int rate = Integer.parseInt(a.getOrDefault("rate", "100"));
        int latencySeconds = Integer.parseInt(a.getOrDefault("latency-seconds", "60"));
        int warmupTrades = Integer.parseInt(a.getOrDefault("warmup-trades", "20000"));
        String commitInterval = a.getOrDefault("commit-interval", null);
        String streamThreads = a.getOrDefault("stream-threads", null);

        Properties settings = new Properties();
        if (commitInterval != null) settings.setProperty("commit.interval", commitInterval);
        if (streamThreads != null) settings.setProperty("stream.threads", streamThreads);
        BenchSettings.addTo(settings);
        try (EmbeddedStack stack = new EmbeddedStack().closeOnExit()) {
            stack.start(settings);
            ServiceConfig config = stack.config();
            System.out.printf(Locale.ROOT, "stack up: processing.guarantee=exactly_once_v2, commit.interval=%d ms, "
                            + "engine=%s, input partitions=%d, input.keying=%s, stream threads=%d, cores=%d%n",
                    config.commitInterval().toMillis(), config.learner().engine(), config.inputTopicPartitions(), config.inputKeying().id,
                    config.streamThreads(), Runtime.getRuntime().availableProcessors());
            Map<String, Long> seenAt = new ConcurrentHashMap<>();
            KafkaClients clients = new KafkaClients(config);
            try (OutcomeWatcher watcher = new OutcomeWatcher(clients, Topics.of(config),
                    update -> seenAt.put(update.getDecisionId(), System.nanoTime()));
                 TradePublisher fast = TradePublisher.batch(clients, Topics.of(config), 5);
                 TradePublisher paced = TradePublisher.batch(clients, Topics.of(config), 0)) {

                // (0) warm-up: the whole path once, so the JIT has compiled the broker, the clients and
                //     the service before the clock runs (it took a third of the machine otherwise)
                if (warmupTrades > 0) {
                    List<FeedbackEvents.Pair> warm = simulate(3, warmupTrades);
                    publishVotesAndAwaitJoin(fast, warm, config);
                    for (FeedbackEvents.Pair pair : warm) fast.publishClose(pair);
                    fast.flush();
                    awaitResolved(watcher, warmupTrades);
                    System.out.printf(Locale.ROOT, "warm-up: %d trades%n", warmupTrades);
                }

                // (a) throughput
                List<FeedbackEvents.Pair> batch = simulate(1, trades);
                publishVotesAndAwaitJoin(fast, batch, config);
                long resolvedBefore = watcher.snapshot().closesResolved();
                long streamCpu0 = streamThreadCpuNanos(), processCpu0 = processCpuNanos();
                long t0 = System.nanoTime();
                for (FeedbackEvents.Pair pair : batch) fast.publishClose(pair);
                fast.flush();
                long published = System.nanoTime();
                awaitResolved(watcher, resolvedBefore + trades);
                long t1 = System.nanoTime();
                long streamCpu = streamThreadCpuNanos() - streamCpu0, processCpu = processCpuNanos() - processCpu0;
                OutcomeWatcher.Snapshot s = watcher.snapshot();
                System.out.printf(Locale.ROOT, "throughput: %d trades trade-closed -> weights-updated in %.2f s = %.0f trades/s "
                                + "(closes published in %.2f s; trained %d in all, dead-lettered %s)%n",
                        trades, (t1 - t0) / 1e9, trades / ((t1 - t0) / 1e9), (published - t0) / 1e9,
                        s.trained(), s.deadLettered());
                // CPU per trade does not depend on what else the machine runs: it is the figure to
                // compare between changes when other work shares the cores
                System.out.printf(Locale.ROOT, "cpu per trade: stream thread %.0f µs, whole JVM (broker, registry client, "
                                + "service, harness) %.0f µs; machine load average %.1f on %d cores%n",
                        streamCpu / 1e3 / trades, processCpu / 1e3 / trades,
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                        Runtime.getRuntime().availableProcessors());

                // (b) latency at a paced rate
                int n = rate * latencySeconds;
                int warmup = Math.min(n / 10, rate * 5);
                List<FeedbackEvents.Pair> paced1 = simulate(2, n);
                publishVotesAndAwaitJoin(fast, paced1, config);
                long before = watcher.snapshot().closesResolved();
                Map<String, Long> sentAt = new HashMap<>();
                long period = 1_000_000_000L / rate, start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    long due = start + i * period;
                    // sleep, not spin: a spinning pacer would take one of the two cores from the service
                    long wait = due - System.nanoTime();
                    if (wait > 0) LockSupport.parkNanos(wait);
                    FeedbackEvents.Pair pair = paced1.get(i);
                    sentAt.put(pair.decisionId(), System.nanoTime());
                    paced.publishClose(pair);
                }
                paced.flush();
                awaitResolved(watcher, before + n);
                double[] ms = new double[n - warmup];
                for (int i = warmup; i < n; i++) {
                    String id = paced1.get(i).decisionId();
                    ms[i - warmup] = (seenAt.get(id) - sentAt.get(id)) / 1e6;
                }
                Arrays.sort(ms);
                System.out.printf(Locale.ROOT, "latency at %d trades/s, %d trades measured (first %d as warm-up): "
                                + "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                        rate, ms.length, warmup, pct(ms, 0.50), pct(ms, 0.90), pct(ms, 0.99), ms[ms.length - 1]);
            }
        }
        System.exit(0);
    }

    private static List<FeedbackEvents.Pair> simulate(long seed, int n) throws FeedbackEvents.Unmappable {
        TradeSimulator simulator = new TradeSimulator(LearnerConfig.DEFAULT_ROSTER, seed, TradeSimulator.Scenario.SKILLS, n);
        List<FeedbackEvents.Pair> pairs = new ArrayList<>(n);
        Instant now = Instant.now();
        while (simulator.hasNext()) pairs.add(FeedbackEvents.parse(simulator.next(), now));
        return pairs;
    }

    /** Publishes the votes and waits until the service's consumer group has read all of them. */
    private static void publishVotesAndAwaitJoin(TradePublisher publisher, List<FeedbackEvents.Pair> pairs,
                                                 ServiceConfig config) throws Exception {
        for (FeedbackEvents.Pair pair : pairs) publisher.publishVotes(pair);
        publisher.flush();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()))) {
            String topic = config.topics().decisionVotes();
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic)
                    .partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> end = admin.listOffsets(partitions.stream()
                            .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get()
                    .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(config.applicationId())
                        .partitionsToOffsetAndMetadata().get();
                // a partition no vote went to (model-keyed inputs of fewer models than partitions) has nothing to read
                boolean caughtUp = partitions.stream().allMatch(p -> end.get(p) == 0
                        || committed.get(p) != null && committed.get(p).offset() >= end.get(p));
                if (caughtUp) return;
                Thread.sleep(100);
            }
        }
    }

    private static void awaitResolved(OutcomeWatcher watcher, long target) throws InterruptedException {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (watcher.snapshot().closesResolved() < target) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("not all trades resolved in 10 min");
            Thread.sleep(5);
        }
    }

    private static long streamThreadCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains("StreamThread") && !info.getThreadName().startsWith("kafka-")) {
                sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return sum;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double pct(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
