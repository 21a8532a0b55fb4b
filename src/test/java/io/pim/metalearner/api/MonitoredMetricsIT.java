package io.pim.metalearner.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.kafka.TradePublisher;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.sink.JdbiWriter;
import io.pim.metalearner.sink.WriterConfig;
import io.pim.metalearner.sink.WriterHealth;
import io.pim.metalearner.testing.Await;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.Landing;
import io.pim.metalearner.testing.MonitoringFiles;
import io.pim.metalearner.testing.PostgresExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TestPostgres;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dashboard and the alert rules (deploy/monitoring) name only metrics the product exports:
 * a service instance and the writer run, trades flow through both, and every metric name the
 * rules' expressions and the dashboard's queries select is in one of their {@code /metrics}.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class, PostgresExtension.class})
class MonitoredMetricsIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(180);
    /** Prometheus's own series for every target. */
    private static final Set<String> PROMETHEUS_SERIES = Set.of("up");

    @Test
    void everyMetricTheDashboardAndTheAlertRulesNameIsExportedByTheServiceOrTheWriter(
            TestKafka kafka, EmbeddedRegistry registry, TestPostgres postgres) throws Exception {
        // given the names the rules and the dashboard select
        Set<String> ruleNames = MonitoringFiles.metricNames(MonitoringFiles.ruleExpressions());
        Set<String> dashboardNames = MonitoringFiles.metricNames(MonitoringFiles.dashboardQueries());
        assertThat(ruleNames).contains("metalearner_trained_total", "kafka_consumer_fetch_manager_records_lag",
                "metalearner_writer_rows_total", "up");
        assertThat(dashboardNames).contains("metalearner_step_time_seconds_bucket", "jvm_memory_used_bytes",
                "metalearner_training_step");

        // and a service instance and the writer, with trades (one of them bad) through both
        Properties p = ServiceProperties.isolated("monitored", kafka, registry.apiUrl(), Files.createTempDirectory("monitored-"));
        ServiceConfig config = ServiceProperties.config(p);
        ServiceConfig.TopicNames t = config.topics();
        WriterConfig writerConfig = Landing.writerConfig(kafka, registry.apiUrl(), postgres.createDatabase("monitored").jdbcUrl(),
                new WriterConfig.Topics(t.trainingLog(), t.agentPerformance(), t.weightSnapshots(), t.checkpoints(),
                        t.commands(), t.commandResults(), t.deadLetter()), config.applicationId() + "-writer");
        try (MetricsAcrossInstancesIT.Instance service = MetricsAcrossInstancesIT.Instance.start(p,
                     Files.createTempDirectory("monitored-state-"));
             JdbiWriter writer = JdbiWriter.start(writerConfig);
             WriterHealth writerHealth = WriterHealth.start(writer, 0, Duration.ofMinutes(5));
             TradePublisher publisher = TradePublisher.batch(new KafkaClients(config), Topics.of(config), 5)) {
            kafka.awaitLeaders(ServiceProperties.topicNames(config));
            int n = 0;
            for (; n < 20; n++) {
                String body = ApiEndToEndIT.seedBody("mon-" + n).replaceFirst("\\{", "{\"model_id\":\"desk-" + n % 2 + "\",");
                publisher.publish(n == 7 ? body.replace("\"exit_price\":157.5", "\"exit_price\":-1.0") : body);
            }
            publisher.flush();

            // when both have done their work and their Kafka metrics have seen their partitions
            Set<String> exported = new TreeSet<>(PROMETHEUS_SERIES);
            Await.until(() -> "the service trained and the writer landed; missing " + missing(ruleNames, dashboardNames, exported),
                    WAIT, () -> {
                        exported.clear();
                        exported.addAll(PROMETHEUS_SERIES);
                        Map<String, Double> fromService = MetricsAcrossInstancesIT.scrape(service);
                        Map<String, Double> fromWriter = samples(HTTP.send(HttpRequest.newBuilder(URI.create(
                                        "http://localhost:" + writerHealth.port() + WriterHealth.METRICS_PATH)).build(),
                                HttpResponse.BodyHandlers.ofString()).body());
                        fromService.keySet().forEach(s -> exported.add(s.split("\\{")[0]));
                        fromWriter.keySet().forEach(s -> exported.add(s.split("\\{")[0]));
                        return fromService.getOrDefault("metalearner_trained_total", 0.0) >= 19
                                && fromWriter.getOrDefault("metalearner_writer_rows_total{table=\"metalearner_training_log\"}", 0.0) >= 19
                                && missing(ruleNames, dashboardNames, exported).isEmpty();
                    });

            // then nothing the rules or the dashboard select is missing from what they export
            assertThat(missing(ruleNames, dashboardNames, exported)).isEmpty();
        }
    }

    private static Set<String> missing(Set<String> ruleNames, Set<String> dashboardNames, Set<String> exported) {
        Set<String> out = new TreeSet<>(ruleNames);
        out.addAll(dashboardNames);
        out.removeAll(exported);
        return out;
    }

    private static Map<String, Double> samples(String exposition) {
        return MetricsAcrossInstancesIT.samples(exposition);
    }
}
