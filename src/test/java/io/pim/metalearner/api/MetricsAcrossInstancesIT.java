package io.pim.metalearner.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.ModelPartitions;
import io.pim.metalearner.kafka.TradePublisher;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.stream.LearningTopology;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What Prometheus sees of two instances while the models move between them: trades flow, an
 * instance joins, leaves and comes back, and every instance's {@code /metrics} is scraped again
 * and again. A counter of one process never goes down (so {@code rate()} sees no false reset),
 * their sum never goes down while the same instances run, and an instance that lost a model
 * keeps no series of it.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class MetricsAcrossInstancesIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)$");
    private static final Pattern MODEL_ID = Pattern.compile("model_id=\"([^\"]*)\"");
    private static final Duration SETTLE = Duration.ofSeconds(240);

    @Test
    void countersOfEachInstanceOnlyGrowAndAModelsSeriesLeaveWithIt(TestKafka kafka, EmbeddedRegistry registry)
            throws Exception {
        Path base = Files.createTempDirectory("metrics-moves-");
        Properties shared = ServiceProperties.isolated("metrics-moves", kafka, registry.apiUrl(), base);
        shared.setProperty("training.partitions", "4");
        ServiceConfig sharedConfig = ServiceProperties.config(shared);
        List<String> models = onePerPartition(4);
        Map<String, Instance> running = new LinkedHashMap<>();
        Scrapes scrapes = new Scrapes();
        try (TradePublisher publisher = TradePublisher.batch(new KafkaClients(sharedConfig), Topics.of(sharedConfig), 5)) {
            Trades trades = new Trades(publisher, models);

            // given one instance training every model while trades flow
            running.put("a", Instance.start(shared, base.resolve("a")));
            kafka.awaitLeaders(ServiceProperties.topicNames(sharedConfig));
            flowUntil("instance a trains every model", trades, scrapes, running,
                    () -> holders(running).keySet().containsAll(models) && scrapes.trainedSum(running) >= 8);

            // when a second instance joins, stops, and starts again on its old state, trades flowing throughout
            running.put("b", Instance.start(shared, base.resolve("b")));
            flowUntil("the models spread over both instances", trades, scrapes, running,
                    () -> spreadOver(running, models) && everyHolderReports(running, scrapes));
            running.remove("b").close();
            flowUntil("instance a takes every model back", trades, scrapes, running,
                    () -> spreadOver(running, models) && everyHolderReports(running, scrapes));
            running.put("b", Instance.start(shared, base.resolve("b")));
            flowUntil("the models spread over both instances again", trades, scrapes, running,
                    () -> spreadOver(running, models) && everyHolderReports(running, scrapes));

            // then no counter of any instance ever went down, nor the sum over the instances running together
            assertThat(scrapes.decreases()).as("counters that went down between two scrapes of one instance").isEmpty();
            assertThat(scrapes.sumDecreases()).as("counter sums that went down while the same instances ran").isEmpty();
            // and each instance reports exactly the models it holds now
            Map<String, String> holders = holders(running);
            for (Map.Entry<String, Instance> e : running.entrySet()) {
                Set<String> held = new HashSet<>();
                holders.forEach((model, holder) -> {
                    if (holder.equals(e.getKey())) held.add(model);
                });
                assertThat(modelsIn(scrape(e.getValue()))).as("models with series on instance " + e.getKey()).isEqualTo(held);
            }
            // and the lag of the service's input is exported per partition (read from the consumers' metrics)
            flowUntil("the consumer lag of decision-votes on instance a", trades, scrapes, running,
                    () -> scrapes.last("a").keySet().stream().anyMatch(series ->
                            series.startsWith("kafka_consumer_fetch_manager_records_lag{")
                                    && series.contains("topic=\"" + sharedConfig.topics().decisionVotes() + "\"")));
        } finally {
            for (Instance instance : running.values()) instance.close();
        }
    }

    /** Publishes a round of trades and scrapes every running instance until {@code done}. */
    private static void flowUntil(String what, Trades trades, Scrapes scrapes, Map<String, Instance> running,
                                  Await.Condition done) throws Exception {
        scrapes.newPhase();
        Await.until(() -> what + "; holders " + holders(running) + ", models reported " + scrapes.reported()
                + ", trained " + scrapes.lastTrained() + ", counters that went down " + scrapes.decreases(), SETTLE, () -> {
            trades.round();
            scrapes.scrapeAll(running);
            return done.holds();
        });
    }

    /** Model → the name of the running instance whose stream holds it now; empty while the group is not settled. */
    private static Map<String, String> holders(Map<String, Instance> running) {
        if (!running.values().stream().allMatch(i -> i.service.streams().state() == KafkaStreams.State.RUNNING)) return Map.of();
        KafkaStreams asked = running.values().iterator().next().service.streams();
        Map<String, String> out = new TreeMap<>();
        for (String model : onePerPartition(4)) {
            KeyQueryMetadata m = asked.queryMetadataForKey(LearningTopology.LEARNER_STORE, model, Serdes.String().serializer());
            if (m == null || m.equals(KeyQueryMetadata.NOT_AVAILABLE)) return Map.of();
            running.forEach((name, instance) -> {
                if (m.activeHost().port() == instance.port) out.put(model, name);
            });
        }
        return out;
    }

    /** Every model has a holder, and with several instances every instance holds one. */
    private static boolean spreadOver(Map<String, Instance> running, List<String> models) {
        Map<String, String> holders = holders(running);
        return holders.keySet().containsAll(models) && new HashSet<>(holders.values()).size() == running.size()
                && running.values().stream().allMatch(i -> i.service.streams().metadataForAllStreamsClients().size()
                        == running.size());
    }

    /** Each instance's latest scrape names exactly the models it holds (a moved model trained there since). */
    private static boolean everyHolderReports(Map<String, Instance> running, Scrapes scrapes) {
        Map<String, String> holders = holders(running);
        for (String name : running.keySet()) {
            Set<String> held = new HashSet<>();
            holders.forEach((model, holder) -> {
                if (holder.equals(name)) held.add(model);
            });
            if (!modelsIn(scrapes.last(name)).equals(held)) return false;
        }
        return true;
    }

    private static Set<String> modelsIn(Map<String, Double> scrape) {
        Set<String> out = new HashSet<>();
        for (String series : scrape.keySet()) {
            Matcher m = MODEL_ID.matcher(series);
            if (series.startsWith("metalearner_") && m.find()) out.add(m.group(1));
        }
        return out;
    }

    private static List<String> onePerPartition(int partitions) {
        List<String> models = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; seen.size() < partitions; i++) {
            if (seen.add(ModelPartitions.of("moving-" + i, partitions))) models.add("moving-" + i);
        }
        return models;
    }

    static Map<String, Double> scrape(Instance instance) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + instance.port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return samples(response.body());
    }

    /** Series (name and labels) → value, of a Prometheus text exposition. */
    static Map<String, Double> samples(String exposition) {
        Map<String, Double> samples = new TreeMap<>();
        for (String line : exposition.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.matches()) samples.put(m.group(1), value(m.group(2)));
        }
        return samples;
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    /** One trade per model a round, and a trade with a negative price now and then (a dead letter). */
    private static final class Trades {
        final TradePublisher publisher;
        final List<String> models;
        int n;

        Trades(TradePublisher publisher, List<String> models) {
            this.publisher = publisher;
            this.models = models;
        }

        void round() {
            for (String model : models) {
                String body = ApiEndToEndIT.seedBody("mv-" + n++).replaceFirst("\\{", "{\"model_id\":\"" + model + "\",");
                if (n % 10 == 0) body = body.replace("\"exit_price\":157.5", "\"exit_price\":-1.0");
                publisher.publish(body);
            }
            publisher.flush();
        }
    }

    /**
     * Every scrape of every instance's {@code metalearner_*_total} counters, in order, in phases
     * (a phase: the same instances running).
     */
    private static final class Scrapes {
        final Map<String, List<Map<String, Double>>> byInstance = new TreeMap<>();
        final List<List<Map<String, Double>>> sumsByPhase = new ArrayList<>();
        final Map<String, Map<String, Double>> latest = new TreeMap<>();

        void newPhase() {
            sumsByPhase.add(new ArrayList<>());
        }

        void scrapeAll(Map<String, Instance> running) throws Exception {
            Map<String, Double> sum = new TreeMap<>();
            for (Map.Entry<String, Instance> e : running.entrySet()) {
                Map<String, Double> all = scrape(e.getValue());
                latest.put(e.getKey(), all);
                Map<String, Double> counters = new TreeMap<>();
                all.forEach((series, value) -> {
                    if (series.startsWith("metalearner_") && series.split("\\{")[0].endsWith("_total")) {
                        counters.put(series, value);
                        sum.merge(series, value, Double::sum);
                    }
                });
                // a new process of the same name starts its own series: a reset Prometheus expects
                byInstance.computeIfAbsent(e.getKey() + "#" + System.identityHashCode(e.getValue()), k -> new ArrayList<>())
                        .add(counters);
            }
            sumsByPhase.get(sumsByPhase.size() - 1).add(sum);
        }

        Map<String, Double> last(String instance) {
            return latest.getOrDefault(instance, Map.of());
        }

        double trainedSum(Map<String, Instance> running) {
            return running.keySet().stream().mapToDouble(i -> last(i).getOrDefault("metalearner_trained_total", 0.0)).sum();
        }

        String reported() {
            Map<String, Set<String>> out = new TreeMap<>();
            latest.forEach((i, s) -> out.put(i, new java.util.TreeSet<>(modelsIn(s))));
            return out.toString();
        }

        String lastTrained() {
            Map<String, Double> out = new TreeMap<>();
            latest.forEach((i, s) -> out.put(i, s.getOrDefault("metalearner_trained_total", 0.0)));
            return out.toString();
        }

        List<String> decreases() {
            List<String> out = new ArrayList<>();
            byInstance.forEach((instance, history) -> out.addAll(decreasesIn(instance, history)));
            return out;
        }

        List<String> sumDecreases() {
            List<String> out = new ArrayList<>();
            for (int p = 0; p < sumsByPhase.size(); p++) out.addAll(decreasesIn("sum in phase " + p, sumsByPhase.get(p)));
            return out;
        }

        private static List<String> decreasesIn(String who, List<Map<String, Double>> history) {
            List<String> out = new ArrayList<>();
            for (int i = 1; i < history.size(); i++) {
                for (Map.Entry<String, Double> before : history.get(i - 1).entrySet()) {
                    double after = history.get(i).getOrDefault(before.getKey(), 0.0);
                    if (after < before.getValue()) {
                        out.add(who + ": " + before.getKey() + " " + before.getValue() + " -> " + after + " (scrape " + i + ")");
                    }
                }
            }
            return out;
        }
    }

    /** One instance of the service with its HTTP API, on a state directory of its own. */
    record Instance(int port, ServiceMetrics metrics, LearningService service, HttpService http) implements AutoCloseable {
        static Instance start(Properties shared, Path stateDir) throws Exception {
            int port = ApiEndToEndIT.freePort();
            Properties p = (Properties) shared.clone();
            Files.createDirectories(stateDir);
            p.setProperty("state.dir", stateDir.toString());
            p.setProperty("streams.application.server", "localhost:" + port);
            p.setProperty("http.port", Integer.toString(port));
            ServiceConfig config = ServiceProperties.config(p);
            ServiceMetrics metrics = new ServiceMetrics();
            LearningService service = new LearningService(config, metrics);
            service.createTopics();
            service.start();
            HttpService http = HttpService.start(service, metrics, ApiConfig.from(config));
            return new Instance(port, metrics, service, http);
        }

        @Override
        public void close() {
            http.close();
            service.close();
            metrics.close();
        }
    }
}
