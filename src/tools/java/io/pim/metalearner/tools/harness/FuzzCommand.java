package io.pim.metalearner.tools.harness;

import io.pim.metalearner.cli.SharedOptions;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.avro.DeadLetter;
import io.pim.metalearner.avro.DecisionScore;
import io.pim.metalearner.avro.TrainingExample;
import io.pim.metalearner.avro.WeightsUpdated;
import io.pim.metalearner.tools.harness.FuzzRecords.Shot;
import io.pim.metalearner.tools.harness.FuzzRecords.Target;
import io.pim.metalearner.kafka.DeadLetters;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.SettlementRule;
import io.pim.metalearner.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * {@code bin/metalearner fuzz}: sends a seeded mix of damaged, hostile and valid records
 * ({@link FuzzRecords}) into both input topics and to {@code POST /api/pim/feedback} of running
 * instances (the multi-process harness, docs/TESTING.md "Fuzz"), then waits until every record has an
 * outcome and checks: each Kafka record is dead-lettered with a reason, scored (valid votes) or
 * trained (a valid close), each HTTP body answered with a status and reason, nothing is left
 * unaccounted for; the closes on {@code trade-closed} reconcile (in = trained + dead-lettered +
 * pending, pending 0); every instance (and the writer) is still alive and ready; and each one's
 * resident memory stays under a bound. Prints a table, kind tried → how many → what became of them, and
 * exits 0 when every check holds.
 */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = "Send seeded damaged and hostile records to the inputs and the feedback endpoint of running "
                + "instances, then check every one was dead-lettered, refused or trained, and that the instances survived.")
public final class FuzzCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SharedOptions.ConfigFileOption config;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the records (default ${DEFAULT-VALUE}). "
            + "Decision ids start with fz<S>-: on one cluster, give each run its own seed.")
    long seed;

    @Option(names = "--records", defaultValue = "1000", paramLabel = "N", description = "How many draws (default ${DEFAULT-VALUE}); "
            + "a draw is one to four records of one kind.")
    int records;

    @Option(names = "--models", defaultValue = "4", paramLabel = "M", description = "Valid records go to models fuzz-1 .. fuzz-M.")
    int models;

    @Option(names = "--http", paramLabel = "URL", split = ",",
            description = "Base URL of each instance (e.g. http://localhost:19101); feedback bodies go to them in turn, and each "
                    + "must be ready at the end. None: no HTTP records.")
    List<URI> instances = new ArrayList<>();

    @Option(names = "--writer", paramLabel = "URL", description = "The JDBI writer's health address (e.g. http://localhost:19095): "
            + "it must be ready at the end.")
    URI writer;

    @Option(names = "--pids", paramLabel = "DIR", description = "The harness's pids folder: each instance-*.pid and writer.pid is "
            + "checked alive and its resident memory (VmRSS) printed before and after.")
    Path pids;

    @Option(names = "--max-rss-mb", defaultValue = "1536", paramLabel = "MB",
            description = "An instance whose resident memory exceeds this at the end fails the run (default ${DEFAULT-VALUE}).")
    long maxRssMb;

    @Option(names = "--settle", defaultValue = "5m", paramLabel = "D",
            description = "How long to wait for every record's outcome (a close without votes waits for trade.grace).")
    Duration settle;

    private final List<Sent> sent = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    /** A record sent and, once known, what became of it. */
    private static final class Sent {
        final Shot shot;
        String topic;
        int partition = -1;
        long offset = -1;
        String outcome;

        Sent(Shot shot) {
            this.shot = shot;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ServiceConfig service = ServiceConfig.load(config.file);
        Topics topics = Topics.of(service);
        KafkaClients clients = new KafkaClients(service);
        Map<String, Long> rssBefore = rss();
        rssBefore.forEach((name, kb) -> out.printf(Locale.ROOT, "fuzz: %s resident %d MB before%n", name, kb / 1024));
        long started = System.nanoTime();
        send(new FuzzRecords(seed, models, topics), topics, clients);
        out.printf(Locale.ROOT, "fuzz: sent %d records (%d draws, seed %d) in %.1f s; waiting for their outcomes%n",
                sent.size(), records, seed, (System.nanoTime() - started) / 1e9);
        out.flush();
        Outcomes outcomes = collect(topics, clients, System.nanoTime() + settle.toNanos());
        table(out);
        out.printf(Locale.ROOT, "counts: closes in %d = trained %d + dead-lettered %d + pending %d%n",
                outcomes.closesIn, outcomes.trained, outcomes.settlingLetters, outcomes.pending());
        if (outcomes.pending() != 0) failures.add("pending " + outcomes.pending() + " closes (not trained, not dead-lettered)");
        long unaccounted = sent.stream().filter(s -> s.outcome == null).count();
        if (unaccounted > 0) failures.add(unaccounted + " records without an outcome (silently dropped?)");
        checkInstances(out, rssBefore);
        failures.forEach(f -> out.println("FAILED: " + f));
        out.println(failures.isEmpty() ? "fuzz: OK" : "fuzz: " + failures.size() + " check(s) failed");
        out.flush();
        return failures.isEmpty() ? 0 : 1;
    }

    private void send(FuzzRecords source, Topics topics, KafkaClients clients) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        List<Sent> kafka = new ArrayList<>();
        int turn = 0;
        try (KafkaProducer<byte[], byte[]> producer = clients.producer("metalearner-fuzz", new ByteArraySerializer(),
                new ByteArraySerializer(), Map.of("linger.ms", 5))) {
            for (int i = 0; i < records; i++) {
                for (Shot shot : source.next()) {
                    Sent s = new Sent(shot);
                    sent.add(s);
                    if (shot.target() == Target.HTTP) {
                        if (instances.isEmpty()) {
                            sent.remove(sent.size() - 1);
                            continue;
                        }
                        s.outcome = post(http, instances.get(turn++ % instances.size()), shot.value());
                    } else {
                        s.topic = shot.target() == Target.VOTES ? topics.decisionVotes().name() : topics.tradeClosed().name();
                        acks.add(producer.send(new ProducerRecord<>(s.topic, shot.key(), shot.value())));
                        kafka.add(s);
                    }
                }
            }
            producer.flush();
        }
        for (int i = 0; i < kafka.size(); i++) {
            RecordMetadata m = acks.get(i).get();
            kafka.get(i).partition = m.partition();
            kafka.get(i).offset = m.offset();
        }
    }

    /** The answer as an outcome: the status and the reason code the body gives (a refusal without one is a failure). */
    private String post(HttpClient http, URI instance, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(instance.resolve("/api/pim/feedback")).timeout(Duration.ofSeconds(60))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            String reason = switch (r.statusCode()) {
                case 200 -> "trained";
                case 202 -> "accepted (trains later)";
                case 413 -> "too-large";
                default -> errorOf(r.body());
            };
            if (r.statusCode() >= 500 || reason.isEmpty()) {
                failures.add("POST to " + instance + " answered " + r.statusCode() + " " + abbreviate(r.body()));
            }
            return "http " + r.statusCode() + " " + reason;
        } catch (IOException e) {
            failures.add("POST to " + instance + " failed: " + e);
            return "http no answer";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String errorOf(String body) {
        try {
            return new ObjectMapper().readTree(body).path("error").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** What the outputs say, read from the start (read_committed). */
    private static final class Outcomes {
        long closesIn;
        long trained;
        long settlingLetters;

        long pending() {
            return closesIn - trained - settlingLetters;
        }
    }

    /**
     * Reads trade-closed (to count the closes in), dead-letter, weights-updated and decision-scores
     * until every record sent has an outcome and every close is settled, or the deadline. A
     * record's dead letter is found by its source topic, partition and offset (a close the model
     * refused: the source inside the refused training example); a trained close by its decision id
     * in weights-updated, a valid vote by its decision id in decision-scores.
     */
    private Outcomes collect(Topics topics, KafkaClients clients, long deadline) {
        var letters = topics.deadLetter().valueSerde().deserializer();
        var weights = topics.weightsUpdated().valueSerde().deserializer();
        var scores = topics.decisionScores().valueSerde().deserializer();
        var training = topics.training().valueSerde().deserializer();
        SettlementRule settlement = new SettlementRule(topics);
        Map<String, Sent> byOffset = new HashMap<>();
        Map<String, List<Sent>> closesById = new HashMap<>();
        Map<String, List<Sent>> votesById = new HashMap<>();
        for (Sent s : sent) {
            if (s.topic == null) continue;
            byOffset.put(s.topic + "/" + s.partition + "/" + s.offset, s);
            (s.shot.target() == Target.CLOSE ? closesById : votesById).computeIfAbsent(s.shot.decisionId(), k -> new ArrayList<>()).add(s);
        }
        Set<String> trained = new HashSet<>();
        Set<String> scored = new HashSet<>();
        Outcomes o = new Outcomes();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("metalearner-fuzz-check",
                new ByteArrayDeserializer(), new ByteArrayDeserializer(), Map.of("max.poll.records", 5000, "fetch.max.bytes", 64 << 20))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.tradeClosed().name(), topics.deadLetter().name(), topics.weightsUpdated().name(),
                    topics.decisionScores().name())) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (System.nanoTime() < deadline) {
                var batch = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    if (r.topic().equals(topics.tradeClosed().name())) {
                        o.closesIn++;
                    } else if (r.topic().equals(topics.weightsUpdated().name())) {
                        o.trained++;
                        trained.add(weights.deserialize(r.topic(), r.value()).getDecisionId());
                    } else if (r.topic().equals(topics.decisionScores().name())) {
                        scored.add(((DecisionScore) scores.deserialize(r.topic(), r.value())).getDecisionId());
                    } else {
                        DeadLetter d = letters.deserialize(r.topic(), r.value());
                        if (settlement.settlesATrade(d)) o.settlingLetters++;
                        Sent s = byOffset.get(d.getSourceTopic() + "/" + d.getSourcePartition() + "/" + d.getSourceOffset());
                        if (s == null && d.getSourceTopic().equals(topics.training().name()) && d.getValue() != null
                                && (Object) training.deserialize(d.getSourceTopic(), DeadLetters.bytes(d.getValue())) instanceof TrainingExample e) {
                            s = byOffset.get(e.getSourceTopic() + "/" + e.getSourcePartition() + "/" + e.getSourceOffset());
                            if (s != null) s.outcome = "refused by the model: " + d.getReason();
                        } else if (s != null) {
                            s.outcome = "dead-letter " + d.getReason();
                        }
                    }
                }
                if (batch.isEmpty() && settled(o, closesById, votesById, trained, scored)) break;
            }
        }
        settled(o, closesById, votesById, trained, scored);
        return o;
    }

    /** Gives trained closes and scored votes their outcome; true when nothing sent lacks one and no close is pending. */
    private boolean settled(Outcomes o, Map<String, List<Sent>> closesById, Map<String, List<Sent>> votesById,
                            Set<String> trained, Set<String> scored) {
        claim(closesById, trained, "trained");
        claim(votesById, scored, "scored (valid votes)");
        return o.pending() == 0 && sent.stream().allMatch(s -> s.outcome != null);
    }

    /** The first record of an id without a dead letter takes the id's outcome (a duplicate's copy has its own dead letter). */
    private static void claim(Map<String, List<Sent>> byId, Set<String> ids, String outcome) {
        for (String id : ids) {
            List<Sent> list = byId.get(id);
            if (list == null || list.stream().anyMatch(s -> outcome.equals(s.outcome))) continue;
            list.stream().filter(s -> s.outcome == null).findFirst().ifPresent(s -> s.outcome = outcome);
        }
    }

    private void table(PrintWriter out) {
        Map<String, Map<String, Integer>> byKind = new LinkedHashMap<>();
        FuzzRecords.KINDS.keySet().forEach(k -> byKind.put(k, new TreeMap<>()));
        for (Sent s : sent) {
            String where = switch (s.shot.target()) {
                case VOTES -> "votes: ";
                case CLOSE -> "close: ";
                case HTTP -> "";
            };
            byKind.get(s.shot.kind()).merge(where + (s.outcome == null ? "NO OUTCOME" : s.outcome), 1, Integer::sum);
        }
        out.printf(Locale.ROOT, "%-31s %7s  %s%n", "kind", "records", "what became of them");
        byKind.forEach((kind, outcomes) -> {
            int n = outcomes.values().stream().mapToInt(Integer::intValue).sum();
            if (n == 0) return;
            StringBuilder what = new StringBuilder();
            outcomes.forEach((o, c) -> what.append(what.isEmpty() ? "" : "; ").append(o).append(" ×").append(c));
            out.printf(Locale.ROOT, "%-31s %7d  %s%n", kind, n, what);
        });
        out.printf(Locale.ROOT, "%-31s %7d%n", "all", sent.size());
    }

    /** Every instance alive (its pid) and ready (its HTTP port), and under the memory bound. */
    private void checkInstances(PrintWriter out, Map<String, Long> before) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<URI> services = new ArrayList<>(instances);
        if (writer != null) services.add(writer);
        for (URI instance : services) {
            int status;
            try {
                status = http.send(HttpRequest.newBuilder(instance.resolve("/health/ready")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                status = -1;
            }
            out.printf(Locale.ROOT, "%s: /health/ready %d%n", instance, status);
            if (status != 200) failures.add(instance + " is not ready (" + status + ")");
        }
        Map<String, Long> after = rss();
        for (String name : before.keySet()) {
            Long kb = after.get(name);
            if (kb == null) {
                failures.add(name + " is no longer running");
                out.printf(Locale.ROOT, "%s: resident %d MB before, NOT RUNNING after%n", name, before.get(name) / 1024);
                continue;
            }
            out.printf(Locale.ROOT, "%s: resident %d MB before, %d MB after (bound %d MB)%n", name, before.get(name) / 1024, kb / 1024, maxRssMb);
            if (kb / 1024 > maxRssMb) failures.add(name + " resident memory " + kb / 1024 + " MB exceeds " + maxRssMb + " MB");
        }
    }

    /** VmRSS in kB of each live process named instance-*.pid or writer.pid in the pids folder. */
    private Map<String, Long> rss() throws IOException {
        Map<String, Long> rss = new TreeMap<>();
        if (pids == null) return rss;
        try (Stream<Path> files = Files.list(pids)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("(instance-\\d+|writer)\\.pid")).toList()) {
                String pid = Files.readString(f).trim();
                Path status = Path.of("/proc", pid, "status");
                if (!Files.isReadable(status)) continue;
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmRSS:")) {
                        rss.put(f.getFileName().toString().replace(".pid", ""), Long.parseLong(line.replaceAll("\\D", "")));
                    }
                }
            }
        }
        return rss;
    }
}
