package io.pim.metalearner.tools.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.sink.WriterConfig;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.SettlementRule;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.stream.TrainingReplay;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * The verdict of a chaos run ({@code bin/chaos}), read from what the run left behind: every
 * model's committed weights-updated holds steps 1..n exactly once (and no decision trains twice),
 * its last fingerprint equals an offline replay of its training partition, PostgreSQL holds one
 * training-log row per committed step and none of an aborted transaction (each row's decision and
 * timestamp are the committed step's), and the trades reconcile: in = trained + dead-lettered +
 * pending with pending 0. It also turns the kill log into failover times: from a kill to the
 * next committed step of each model the killed instance owned. Exit 0 when every check holds.
 *
 * <p>Not a unit test: it runs against the harness's processes, by hand (docs/TESTING.md, "The multi-process harness").
 */
@Command(name = "chaos-check", mixinStandardHelpOptions = true,
        description = "Check a chaos run's outcome (steps, fingerprints, PostgreSQL rows, counts) and print failover times.")
public final class ChaosCheck implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "A service instance's config.")
    Path serviceConfig;

    @Option(names = "--writer-config", required = true, paramLabel = "FILE", description = "The writer's config (its database).")
    Path writerConfig;

    @Option(names = "--trades", required = true, paramLabel = "N", description = "Trades the simulator published.")
    long trades;

    @Option(names = "--kills", paramLabel = "FILE",
            description = "Kill log: lines 'n epoch_ms target address owners.json' (the harness's chaos script writes it).")
    Path kills;

    @Option(names = "--settle", defaultValue = "10m", paramLabel = "D", description = "How long to wait for the pipeline to drain.")
    Duration settle;

    private final Map<String, List<WeightsUpdated>> steps = new TreeMap<>();
    private long deadLetters;
    private long settlingDeadLetters;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosCheck()).registerConverter(Duration.class, io.pim.metalearner.config.Durations::parse)
                .execute(args));
    }

    @Override
    public Integer call() throws Exception {
        ServiceConfig config = ServiceConfig.load(serviceConfig);
        Topics topics = Topics.of(config);
        long deadline = System.nanoTime() + settle.toNanos();
        readOutcomes(new KafkaClients(config), topics, deadline);
        List<String> failures = new ArrayList<>();
        long trained = steps.values().stream().mapToLong(List::size).sum();
        long pending = trades - trained - settlingDeadLetters;
        System.out.printf(Locale.ROOT, "counts: in %d = trained %d + dead-lettered %d + pending %d (dead letters in all: %d)%n",
                trades, trained, settlingDeadLetters, pending, deadLetters);
        if (pending != 0) failures.add("pending " + pending + " trades (not trained, not dead-lettered)");
        checkSteps(failures);
        checkFingerprints(config, failures);
        checkDatabase(WriterConfig.load(writerConfig), trained, deadline, failures);
        if (kills != null) Failover.report(kills, steps);
        failures.forEach(f -> System.out.println("FAILED: " + f));
        System.out.println(failures.isEmpty() ? "chaos-check: OK" : "chaos-check: " + failures.size() + " check(s) failed");
        return failures.isEmpty() ? 0 : 1;
    }

    /** Reads weights-updated and dead-letter (read_committed) until every trade is settled or the deadline. */
    private void readOutcomes(KafkaClients clients, Topics topics, long deadline) {
        var weights = topics.weightsUpdated().valueSerde().deserializer();
        var letters = topics.deadLetter().valueSerde().deserializer();
        SettlementRule settlement = new SettlementRule(topics);
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("metalearner-chaos-check",
                new ByteArrayDeserializer(), new ByteArrayDeserializer(), Map.of("max.poll.records", 5000))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.weightsUpdated().name(), topics.deadLetter().name())) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long settled = 0;
            while (settled < trades && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.topic().equals(topics.weightsUpdated().name())) {
                        WeightsUpdated w = weights.deserialize(r.topic(), r.value());
                        steps.computeIfAbsent(w.getModelId(), m -> new ArrayList<>()).add(w);
                        settled++;
                    } else {
                        deadLetters++;
                        if (settlement.settlesATrade((DeadLetter) letters.deserialize(r.topic(), r.value()))) {
                            settlingDeadLetters++;
                            settled++;
                        }
                    }
                }
            }
        }
    }

    /** Steps 1..n in order, each once, per model; no decision trained twice across all models. */
    private void checkSteps(List<String> failures) {
        Set<String> decisions = new HashSet<>();
        for (var e : steps.entrySet()) {
            List<WeightsUpdated> list = e.getValue();
            long expected = 1, disorder = 0;
            for (WeightsUpdated w : list) {
                if (w.getTrainingStep() != expected) disorder++;
                expected = w.getTrainingStep() + 1;
                if (!decisions.add(w.getDecisionId())) failures.add(e.getKey() + ": decision " + w.getDecisionId() + " trained twice");
            }
            long last = list.get(list.size() - 1).getTrainingStep();
            boolean exact = disorder == 0 && last == list.size();
            System.out.printf(Locale.ROOT, "%s: %d committed steps, last %d, %s%n", e.getKey(), list.size(), last,
                    exact ? "steps 1..n exactly once" : disorder + " gaps or repeats");
            if (!exact) failures.add(e.getKey() + ": steps are not 1..n exactly once (" + disorder + " gaps or repeats)");
        }
    }

    private void checkFingerprints(ServiceConfig config, List<String> failures) {
        for (var e : steps.entrySet()) {
            String live = e.getValue().get(e.getValue().size() - 1).getFingerprint();
            TrainingReplay.Result replay = TrainingReplay.fromTopic(config, config.learner(), e.getKey());
            String replayed = replay.learner().fingerprint();
            boolean same = live.equals(replayed);
            System.out.printf(Locale.ROOT, "%s: live %s, replay of %d records %s%s%n", e.getKey(), live.substring(0, 16),
                    replay.records(), replayed.substring(0, 16), same ? " (equal)" : " DIFFERENT");
            if (!same) failures.add(e.getKey() + ": live fingerprint differs from its replay");
        }
    }

    /** One row per committed step, each with the committed step's decision and timestamp (so none from an aborted try). */
    private void checkDatabase(WriterConfig writer, long trained, long deadline, List<String> failures) throws Exception {
        Map<String, Map<Long, WeightsUpdated>> byStep = new TreeMap<>();
        steps.forEach((m, list) -> list.forEach(w -> byStep.computeIfAbsent(m, k -> new TreeMap<>()).put(w.getTrainingStep(), w)));
        try (Connection db = writer.database().dataSource().getConnection(); Statement st = db.createStatement()) {
            long rows = 0;
            while (System.nanoTime() < deadline) { // the writer may still be landing the last batches
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM metalearner_training_log")) {
                    rs.next();
                    rows = rs.getLong(1);
                }
                if (rows >= trained) break;
                Thread.sleep(1000);
            }
            long matching = 0, foreign = 0;
            try (ResultSet rs = st.executeQuery("SELECT model_id, training_step, decision_id, \"timestamp\" FROM metalearner_training_log")) {
                while (rs.next()) {
                    WeightsUpdated w = byStep.getOrDefault(rs.getString(1), Map.of()).get(rs.getLong(2));
                    boolean same = w != null && w.getDecisionId().equals(rs.getString(3))
                            && w.getTimestamp().toEpochMilli() == rs.getTimestamp(4).getTime();
                    if (same) matching++;
                    else foreign++;
                }
            }
            System.out.printf(Locale.ROOT, "postgres: %d training-log rows for %d committed steps; %d match their step's decision and "
                    + "timestamp, %d do not%n", rows, trained, matching, foreign);
            if (rows != trained || foreign != 0 || matching != trained) {
                failures.add("postgres: " + rows + " rows, " + matching + " matching, " + foreign + " not, for " + trained + " steps");
            }
        }
    }

    /**
     * Failover times from the kill log. A model the killed instance trained stops until another
     * instance (or the restarted one) has its task; the others keep stepping every few ms while the
     * stream flows. So for each kill and model: the stall, kill → the model's next committed step;
     * the models stalled longer than {@link #STALLED} are the ones the kill stopped (when the
     * instance's own model list was available before the kill, it names them too).
     */
    static final class Failover {
        static final long STALLED = 1_000;

        private Failover() {
        }

        static void report(Path killLog, Map<String, List<WeightsUpdated>> steps) throws Exception {
            List<Long> moves = new ArrayList<>(), perKill = new ArrayList<>();
            int instanceKills = 0, writerKills = 0;
            for (String line : Files.readAllLines(killLog)) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 3) continue;
                long at = Long.parseLong(f[1]);
                if (f[2].equals("writer")) {
                    writerKills++;
                    continue;
                }
                instanceKills++;
                Set<String> owned = owners(f);
                Map<String, Long> stalled = new TreeMap<>();
                for (var e : steps.entrySet()) {
                    long next = e.getValue().stream().mapToLong(w -> w.getTimestamp().toEpochMilli()).filter(t -> t > at).min().orElse(-1);
                    if (next >= 0 && (next - at > STALLED || owned.contains(e.getKey()))) stalled.put(e.getKey(), next - at);
                }
                moves.addAll(stalled.values());
                stalled.values().stream().max(Long::compare).ifPresent(perKill::add);
                System.out.printf(Locale.ROOT, "kill %s at %d: %s%s; models stalled > 1 s (kill -> next step): %s%n", f[0], at, f[2],
                        owned.isEmpty() ? "" : " owning " + new java.util.TreeSet<>(owned), stalled);
            }
            System.out.printf(Locale.ROOT, "kills: %d instance, %d writer%n", instanceKills, writerKills);
            summary("failover per stalled model (kill -> its next committed step)", moves);
            summary("failover per kill (kill -> the last stalled model's next step)", perKill);
        }

        /** The models the killed instance listed as its own just before the kill; empty when it could not say. */
        private static Set<String> owners(String[] f) throws java.io.IOException {
            Set<String> owned = new HashSet<>();
            if (f.length < 5 || !Files.isRegularFile(Path.of(f[4])) || Files.size(Path.of(f[4])) == 0) return owned;
            for (JsonNode m : new ObjectMapper().readTree(Path.of(f[4]).toFile()).path("models")) {
                if (m.path("owner").asText().equals(f[3])) owned.add(m.path("model_id").asText());
            }
            return owned;
        }

        private static void summary(String what, List<Long> times) {
            if (times.isEmpty()) {
                System.out.println(what + ": none");
                return;
            }
            times.sort(null);
            System.out.printf(Locale.ROOT, "%s, n=%d: p50 %.1f s, p99 %.1f s, min %.1f s, max %.1f s%n", what, times.size(),
                    pct(times, 0.50) / 1e3, pct(times, 0.99) / 1e3, times.get(0) / 1e3, times.get(times.size() - 1) / 1e3);
        }

        private static long pct(List<Long> sorted, double q) {
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
        }
    }
}
