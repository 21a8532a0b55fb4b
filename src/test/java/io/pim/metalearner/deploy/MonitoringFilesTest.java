package io.pim.metalearner.deploy;

import static io.pim.metalearner.testing.DeployFiles.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pim.metalearner.testing.MonitoringFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The monitoring files (deploy/monitoring, deploy/k8s/components/monitoring) checked against each
 * other and against what they wire: one set of alert rules in both places, the jobs the rules and
 * the dashboard select are the jobs Compose and the PodMonitors scrape, the Compose profile mounts
 * the files, and the Kafka cluster exports broker metrics and consumer lag. promtool checks the
 * rules themselves (.ci/run); MonitoredMetricsIT checks that every metric they name is exported.
 */
class MonitoringFilesTest {
    private static final Path COMPONENT = ROOT.resolve("deploy/k8s/components/monitoring");
    private static final Path PROMETHEUS_CONFIG = ROOT.resolve("deploy/monitoring/prometheus/prometheus.yml");
    private static final Pattern JOB_MATCHER = Pattern.compile("\\bjob\\s*=~?\\s*\"([^\"]*)\"");

    @Test
    void metricNamesAreReadFromPromqlWithoutFunctionsLabelsOrKeywords() {
        assertThat(MonitoringFiles.metricNames(
                "histogram_quantile(0.99, sum by (le) (rate(step_seconds_bucket{job=\"x\", le!=\"1\"}[$__rate_interval])))"))
                .containsExactly("step_seconds_bucket");
        assertThat(MonitoringFiles.metricNames(
                "(sum(increase(a_total[15m])) > 0 unless sum(increase(b_total{t=\"u\"}[15m])) > 0) and on() count(up) > 1e3"))
                .containsExactly("a_total", "b_total", "up");
        assertThat(MonitoringFiles.metricNames("max by (model_id) (alert_active{type=\"loss-drift\"}) == 1"))
                .containsExactly("alert_active");
        assertThat(MonitoringFiles.metricNames("label_values(training_step, model_id)")).containsExactly("training_step");
    }

    @Test
    void thePrometheusRuleCarriesExactlyTheAlertRulesPromtoolChecks() throws Exception {
        Map<String, Object> rule = new Yaml().load(Files.readString(COMPONENT.resolve("prometheus-rule.yaml")));
        assertThat(rule.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.get("kind")).isEqualTo("PrometheusRule");
        assertThat(at(rule, "spec", "groups")).isEqualTo(MonitoringFiles.ruleGroups());
    }

    @Test
    void theRulesAndTheDashboardSelectTheJobsComposeAndThePodMonitorsScrape() throws Exception {
        // the jobs named in the rules and the dashboard
        Set<String> selected = new TreeSet<>();
        List<String> queries = new ArrayList<>(MonitoringFiles.ruleExpressions());
        queries.addAll(MonitoringFiles.dashboardQueries());
        for (String q : queries) {
            Matcher m = JOB_MATCHER.matcher(q);
            while (m.find()) selected.addAll(List.of(m.group(1).split("\\|")));
        }
        assertThat(selected).containsExactlyInAnyOrder("metalearner", "metalearner-writer");
        // Compose's Prometheus scrapes them under these job names, and loads the rules
        Map<String, Object> config = new Yaml().load(Files.readString(PROMETHEUS_CONFIG));
        Set<String> composeJobs = new TreeSet<>();
        list(config.get("scrape_configs")).forEach(c -> composeJobs.add((String) map(c).get("job_name")));
        assertThat(composeJobs).isEqualTo(selected);
        assertThat(strings(config.get("rule_files"))).containsExactly("alerts.yml");
        // the PodMonitors set the same job names
        Set<String> podMonitorJobs = new TreeSet<>();
        for (Object doc : new Yaml().loadAll(Files.readString(COMPONENT.resolve("pod-monitors.yaml")))) {
            for (Object endpoint : list(at(doc, "spec", "podMetricsEndpoints"))) {
                for (Object relabel : list(map(endpoint).getOrDefault("relabelings", List.of()))) {
                    if ("job".equals(map(relabel).get("targetLabel"))) podMonitorJobs.add((String) map(relabel).get("replacement"));
                }
            }
        }
        assertThat(podMonitorJobs).isEqualTo(selected);
    }

    @Test
    void composesMonitoringProfileRunsPrometheusWithTheRulesAndGrafanaWithTheDashboard() throws Exception {
        Map<String, Object> services = map(compose().get("services"));
        assertThat(strings(at(services, "prometheus", "profiles"))).containsExactly("monitoring");
        assertThat(strings(at(services, "grafana", "profiles"))).containsExactly("monitoring");
        assertThat(strings(at(services, "prometheus", "volumes")))
                .contains("./deploy/monitoring/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
                        "./deploy/monitoring/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro");
        assertThat(strings(at(services, "grafana", "volumes")))
                .contains("./deploy/monitoring/grafana/provisioning:/etc/grafana/provisioning:ro",
                        "./deploy/monitoring/grafana/dashboards:/var/lib/grafana/dashboards:ro");
        // every mounted file or folder is in the repository
        for (String service : List.of("prometheus", "grafana")) {
            for (String volume : strings(at(services, service, "volumes"))) {
                if (volume.startsWith("./")) assertThat(ROOT.resolve(volume.substring(2, volume.indexOf(':')))).exists();
            }
        }
        // Grafana's provisioned data source is Prometheus, and the dashboard asks for a Prometheus data source
        Map<String, Object> datasources = new Yaml().load(Files.readString(
                ROOT.resolve("deploy/monitoring/grafana/provisioning/datasources/prometheus.yml")));
        assertThat(at(list(datasources.get("datasources")).get(0), "url")).isEqualTo("http://prometheus:9090");
        JsonNode dashboard = MonitoringFiles.dashboard();
        assertThat(dashboard.at("/templating/list/0/type").asText()).isEqualTo("datasource");
        assertThat(dashboard.at("/templating/list/0/query").asText()).isEqualTo("prometheus");
        for (JsonNode panel : dashboard.get("panels")) {
            if (panel.get("type").asText().equals("row")) continue;
            assertThat(panel.at("/datasource/uid").asText()).as(panel.get("title").asText()).isEqualTo("${datasource}");
            assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
        }
    }

    @Test
    void theDashboardShowsWhatOpsWatch() throws Exception {
        Set<String> names = MonitoringFiles.metricNames(MonitoringFiles.dashboardQueries());
        assertThat(names).contains("metalearner_trained_total", "metalearner_decision_loss", "metalearner_decision_r2",
                "metalearner_decision_committee_pnl", "metalearner_dead_letters_total", "kafka_consumer_fetch_manager_records_lag",
                "metalearner_step_time_seconds_bucket", "jvm_memory_used_bytes", "metalearner_writer_rows_total");
        assertThat(MonitoringFiles.dashboardQueries()).anyMatch(q -> q.startsWith("histogram_quantile(0.99"));
    }

    @Test
    void theKafkaClusterExportsBrokerMetricsAndConsumerLagToThePodMonitors() throws Exception {
        for (String overlay : List.of("example", "example-connect")) {
            Optional<List<Map<String, Object>>> rendered = rendered(overlay);
            Assumptions.assumeTrue(rendered.isPresent(),
                    "kubectl is not installed: deploy/k8s is not rendered, so the monitoring wiring is not checked here");
            List<Map<String, Object>> objects = rendered.get();
            Map<String, Object> kafka = ofKind(objects, "Kafka").get(0);
            // the brokers' JMX exporter reads a ConfigMap of the overlay, and Kafka Exporter runs
            String configMap = (String) at(kafka, "spec", "kafka", "metricsConfig", "valueFrom", "configMapKeyRef", "name");
            String key = (String) at(kafka, "spec", "kafka", "metricsConfig", "valueFrom", "configMapKeyRef", "key");
            assertThat(at(kafka, "spec", "kafka", "metricsConfig", "type")).isEqualTo("jmxPrometheusExporter");
            Map<String, Object> cm = ofKind(objects, "ConfigMap").stream().filter(c -> name(c).equals(configMap))
                    .findFirst().orElseThrow(() -> new AssertionError(overlay + ": no ConfigMap " + configMap));
            Map<String, Object> exporterConfig = new Yaml().load((String) at(cm, "data", key));
            assertThat(list(exporterConfig.get("rules"))).isNotEmpty();
            assertThat(at(kafka, "spec", "kafkaExporter")).isNotNull();
            // each PodMonitor selects pods of the overlay (or Strimzi's Kafka pods) on a port they name
            for (Map<String, Object> monitor : ofKind(objects, "PodMonitor")) {
                Map<String, Object> labels = map(map(at(monitor, "spec", "selector")).getOrDefault("matchLabels", Map.of()));
                if (labels.isEmpty()) continue; // Strimzi's pods: labelled by the operator
                String port = (String) at(list(at(monitor, "spec", "podMetricsEndpoints")).get(0), "port");
                List<Map<String, Object>> pods = workloads(objects).stream()
                        .filter(w -> map(at(w, "spec", "template", "metadata", "labels")).entrySet()
                                .containsAll(labels.entrySet())).toList();
                if (overlay.equals("example-connect") && name(monitor).equals("metalearner-writer")) {
                    assertThat(pods).as("the Connect route has no writer").isEmpty();
                    continue;
                }
                assertThat(pods).as(overlay + ": pods of PodMonitor " + name(monitor)).isNotEmpty();
                for (Map<String, Object> pod : pods) {
                    assertThat(podContainers(pod)).as(name(monitor) + " port " + port)
                            .anyMatch(c -> list(c.get("ports")).stream().anyMatch(p -> port.equals(map(p).get("name"))));
                }
            }
            assertThat(ofKind(objects, "PrometheusRule")).hasSize(1);
        }
    }
}
