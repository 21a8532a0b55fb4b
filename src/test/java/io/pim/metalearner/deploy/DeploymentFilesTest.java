package io.pim.metalearner.deploy;

import io.pim.metalearner.testing.DeployFiles;
import io.pim.metalearner.testing.ManifestSchemas;
import io.pim.metalearner.testing.PodSecurityRestricted;
import io.pim.metalearner.api.Health;
import io.pim.metalearner.config.ConfigFile;
import io.pim.metalearner.config.ConfigParts;
import io.pim.metalearner.config.Durations;
import io.pim.metalearner.config.RegistryClientConfig;
import io.pim.metalearner.cli.Main;
import io.pim.metalearner.sink.WriterConfig;
import io.pim.metalearner.sink.WriterHealth;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.AvroSerdes;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.stream.LearningTopology;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apicurio.registry.serde.config.SerdeConfig;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pim.metalearner.testing.DeployFiles.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml and the Kubernetes manifests (rendered by {@code kubectl kustomize}) checked
 * against the code they deploy: the topic registry, the config keys, the health paths and ports.
 * Nothing here runs a container; this is what can be checked without an engine or a cluster.
 */
class DeploymentFilesTest {
    private static final List<String> OVERLAYS = List.of("example", "example-connect");
    /** {@code ${VAR}} or {@code ${VAR:-default}} (group 2: the default) in docker-compose.yml. */
    private static final Pattern COMPOSE_VARIABLE = Pattern.compile("\\$\\{([A-Z_][A-Z0-9_]*)(:-[^}]*)?}");
    /** A healthcheck's HTTP request through bash's /dev/tcp (group 1: the port, 2: the path). */
    private static final Pattern HEALTH_URL = Pattern.compile("/dev/tcp/localhost/(\\d+) .*?GET (/\\S*) ");
    /** Read by the CLI ({@code --log-format}'s default), not a config key. */
    private static final String LOG_FORMAT_VARIABLE = "METALEARNER_LOG_FORMAT";

    /**
     * The JVM's memory beyond heap and RocksDB (metaspace, code cache, threads, direct buffers, JNI):
     * about 200 MiB measured (bin/memory, docs/BENCHMARKS.md "RocksDB memory"), with room to spare.
     */
    private static final long JVM_NATIVE_BYTES = 512L << 20;
    /** VmRSS of one instance with 1,000 models and a 512 MiB heap (bin/memory). */
    private static final long MEASURED_RSS_1000_MODELS = 831L << 20;

    private static final ServiceConfig DEFAULTS = ServiceConfig.of("kafka:9092", "http://registry:8080/apis/registry/v3");

    @Test
    void composeCreatesTheRegistrysTopicsInAJobBeforeTheServiceStarts() throws Exception {
        // given the compose file and the CLI
        Map<String, Object> services = map(compose().get("services"));
        List<Container> containers = composeContainers(compose());

        // then a one-shot job runs create-topics (a real subcommand) with the service's config...
        assertThat(Main.commandLine().getSubcommands()).containsKey("create-topics");
        Container topics = containers.stream().filter(c -> c.subcommand().equals("create-topics")).findFirst().orElseThrow();
        assertThat(at(services, "topics", "restart")).isEqualTo("no");
        // ...and the service waits for it to succeed, and does not create topics itself
        Container service = only(containers, "run");
        assertThat(service.args()).contains("--no-create-topics");
        assertThat(at(services, "metalearner", "depends_on", "topics", "condition")).isEqualTo("service_completed_successfully");
        assertThat(topics.config()).isEqualTo(service.config());
        // and both sinks come after migrate
        assertThat(at(services, "writer", "depends_on", "migrate", "condition")).isEqualTo("service_completed_successfully");
        assertThat(at(services, "connect-register", "depends_on", "migrate", "condition")).isEqualTo("service_completed_successfully");
    }

    @Test
    void composesConnectorsAreWrittenForTheApicurio3ConverterOfDebeziumsImage() throws Exception {
        // given the Connect worker of the compose file: Debezium's image, with its Apicurio converter on
        Map<String, Object> services = map(compose().get("services"));
        assertThat((String) at(services, "connect", "image")).startsWith("quay.io/debezium/connect:3.6.");
        assertThat(at(services, "connect", "environment", "ENABLE_APICURIO_CONVERTERS")).isEqualTo("true");
        assertThat((String) at(services, "connect-register", "environment", "REGISTRY_URL")).endsWith("/apis/registry/v3");
        assertThat(Files.readString(ROOT.resolve("deploy/connect/register.sh")))
                .contains("set_key value.converter.apicurio.registry.url \"${REGISTRY_URL:-}\"");
        // the service's frame: the id handler its serdes default to, content ids, no headers
        Map<String, Object> service = AvroSerdes.config(RegistryClientConfig.anonymous("http://registry:8080/apis/registry/v3"));
        String idHandler = (String) service.getOrDefault(SerdeConfig.ID_HANDLER, SerdeConfig.ID_HANDLER_DEFAULT);
        for (String file : List.of("training-log", "agent-performance", "weight-snapshots")) {
            JsonNode config = new ObjectMapper().readTree(ROOT.resolve("deploy/connect/" + file + ".json").toFile()).get("config");
            Map<String, String> converter = new TreeMap<>();
            config.fields().forEachRemaining(e -> {
                if (e.getKey().startsWith("value.converter.")) converter.put(e.getKey().substring("value.converter.".length()), e.getValue().asText());
            });
            // then each reads it with the 3.x converter's keys and API, none of 2.6's
            assertThat(converter).as(file).containsEntry("apicurio.registry.id-handler", idHandler)
                    .containsEntry("apicurio.registry.use-id", (String) service.get(SerdeConfig.USE_ID))
                    .containsEntry("apicurio.registry.headers.enabled", String.valueOf(service.get("apicurio.registry.headers.enabled")))
                    .doesNotContainKey("apicurio.registry.as-confluent");
            assertThat(converter.get("apicurio.registry.url")).as(file).endsWith("/apis/registry/v3");
        }
    }

    @Test
    void composeRunsWithoutADotEnvWhichIsIgnoredAndExampledInstead() throws Exception {
        // given the compose file's variables
        String compose = Files.readString(ROOT.resolve("docker-compose.yml"));
        Matcher variable = COMPOSE_VARIABLE.matcher(compose);
        List<String> names = new ArrayList<>();
        while (variable.find()) {
            // then each has a default, so `docker compose config` works without a .env...
            assertThat(variable.group(2)).as("${" + variable.group(1) + "} has a default (${VAR:-default})").isNotNull();
            names.add(variable.group(1));
        }
        // ...a .env (where secrets go) is never committed, and .env.example names every variable
        assertThat(Files.readAllLines(ROOT.resolve(".gitignore"))).containsAnyOf(".env", "/.env");
        String example = Files.readString(ROOT.resolve(".env.example"));
        assertThat(names).isNotEmpty();
        for (String name : names) assertThat(example).as(".env.example names " + name).containsPattern("(?m)^#? ?" + name + "=");
        assertThat(example).containsPattern("(?m)^COMPOSE_PROFILES=writer$");
    }

    @Test
    void composePublishesItsPortsOnTheLoopbackInterfaceOnly() throws Exception {
        map(compose().get("services")).forEach((name, s) -> {
            for (String port : strings(map(s).get("ports"))) {
                assertThat(port).as("compose service " + name + " publishes " + port).startsWith("127.0.0.1:");
            }
        });
        assertThat(strings(at(compose(), "services", "postgres", "ports"))).isNotEmpty();
        assertThat(strings(at(compose(), "services", "kafka", "ports"))).isNotEmpty();
    }

    @Test
    void everyKafkaTopicMatchesTheTopicRegistrysNamePartitionsAndConfigs() throws Exception {
        for (String overlay : OVERLAYS) {
            // given the rendered manifests
            List<Map<String, Object>> objects = renderedOrSkip(overlay);
            Map<String, Map<String, Object>> kafkaTopics = new TreeMap<>();
            for (Map<String, Object> t : ofKind(objects, "KafkaTopic")) {
                Object topicName = at(t, "spec", "topicName");
                kafkaTopics.put(topicName == null ? name(t) : (String) topicName, map(t.get("spec")));
            }
            // then every topic of the service exists with the registry's spec
            for (Topic<?, ?> topic : Topics.of(DEFAULTS).all()) {
                assertThat(kafkaTopics).as(overlay + ": KafkaTopic " + topic.name()).containsKey(topic.name());
                Map<String, Object> spec = kafkaTopics.get(topic.name());
                assertThat(spec.get("partitions")).as(topic.name() + " partitions").isEqualTo(topic.spec().partitions());
                Map<String, String> configs = new TreeMap<>();
                map(spec.get("config")).forEach((k, v) -> configs.put(k, String.valueOf(v)));
                assertThat(configs).as(topic.name() + " configs").isEqualTo(new TreeMap<>(topic.spec().configs()));
            }
        }
    }

    @Test
    void everyMetalearnerVariableIsAConfigKeyOfItsRoleAndEveryConfigLoads() throws Exception {
        // given every container of the image, in Compose and in each overlay
        List<Container> containers = new ArrayList<>(composeContainers(compose()));
        for (String overlay : OVERLAYS) rendered(overlay).ifPresent(o -> containers.addAll(kubernetesContainers(o)));

        for (Container c : containers) {
            boolean service = List.of("run", "create-topics").contains(c.subcommand());
            ConfigDef definition = service ? ServiceConfig.DEFINITION : WriterConfig.DEFINITION;
            List<String> passThrough = service ? List.of(ConfigParts.KAFKA_PREFIX, ConfigParts.STREAMS_PREFIX)
                    : List.of(ConfigParts.KAFKA_PREFIX, ConfigParts.CONSUMER_PREFIX);
            // then each METALEARNER_ variable names a key of the role, or a pass-through prefix
            for (String variable : c.env().keySet()) {
                if (!variable.startsWith(ConfigFile.ENV_PREFIX) || variable.equals(LOG_FORMAT_VARIABLE)) continue;
                boolean key = definition.names().stream().anyMatch(k -> ConfigFile.envName(k).equals(variable));
                boolean passed = passThrough.stream().anyMatch(p -> variable.startsWith(ConfigFile.envName(p)));
                assertThat(key || passed).as(c.where() + ": " + variable + " is no config key of " + c.subcommand()).isTrue();
            }
            // and its config file with its environment is a valid config of its role
            if (service) ServiceConfig.from(c.config(), c.env());
            else if (!c.subcommand().isEmpty()) WriterConfig.databaseFrom(c.config(), c.env());
            if (c.subcommand().equals("writer")) WriterConfig.from(c.config(), c.env());
        }
        assertThat(containers).extracting(Container::subcommand).contains("run", "writer", "migrate", "create-topics");
    }

    @Test
    void healthchecksAndProbesCallTheHealthPathsOnTheConfiguredPorts() throws Exception {
        // Compose: the service's and the writer's healthchecks
        Map<String, Object> services = map(compose().get("services"));
        for (Container c : composeContainers(compose())) {
            if (c.subcommand().equals("run")) {
                int port = ServiceConfig.from(c.config(), c.env()).http().port();
                assertHealthcheck(services, "metalearner", port, Health.READY_PATH);
                assertThat(strings(at(services, "metalearner", "ports"))).contains("127.0.0.1:" + port + ":" + port);
                assertThat(c.env().get("METALEARNER_STREAMS_APPLICATION_SERVER")).endsWith(":" + port);
            } else if (c.subcommand().equals("writer")) {
                assertHealthcheck(services, "writer", WriterConfig.from(c.config(), c.env()).healthPort(), WriterHealth.READY_PATH);
            }
        }
        // Kubernetes: the probes of the service and the writer
        for (String overlay : OVERLAYS) {
            List<Map<String, Object>> objects = renderedOrSkip(overlay);
            for (Container c : kubernetesContainers(objects)) {
                Map<String, Object> spec = containerSpec(objects, c);
                if (c.subcommand().equals("run")) {
                    int port = ServiceConfig.from(c.config(), c.env()).http().port();
                    assertProbes(spec, port, Health.LIVE_PATH, Health.READY_PATH);
                    assertThat(c.env().get("METALEARNER_STREAMS_APPLICATION_SERVER"))
                            .startsWith("$(POD_NAME).metalearner-headless.").endsWith(":" + port);
                    Map<String, Object> sts = ofKind(objects, "StatefulSet").stream().filter(s -> name(s).equals("metalearner")).findFirst().orElseThrow();
                    assertThat(map(at(sts, "spec", "template", "metadata", "annotations")))
                            .containsEntry("prometheus.io/port", Integer.toString(port)).containsEntry("prometheus.io/path", "/metrics");
                } else if (c.subcommand().equals("writer")) {
                    assertProbes(spec, WriterConfig.from(c.config(), c.env()).healthPort(), WriterHealth.LIVE_PATH, WriterHealth.READY_PATH);
                }
            }
        }
    }

    @Test
    void everyImageIsPinnedAndKafkaIsTheVersionTheCodeIsBuiltWith() throws Exception {
        List<String> images = new ArrayList<>();
        map(compose().get("services")).forEach((name, s) -> images.add(String.valueOf(map(s).get("image"))));
        for (String overlay : OVERLAYS) {
            List<Map<String, Object>> objects = renderedOrSkip(overlay);
            for (Map<String, Object> w : workloads(objects)) podContainers(w).forEach(c -> images.add((String) c.get("image")));
            for (Map<String, Object> k : ofKind(objects, "Kafka")) {
                assertThat(at(k, "spec", "kafka", "version")).isEqualTo(AppInfoParser.getVersion());
            }
        }
        for (String image : images) {
            String tag = image.substring(image.lastIndexOf('/') + 1);
            assertThat(tag).as(image + " is pinned to a tag").contains(":");
            assertThat(tag.substring(tag.indexOf(':') + 1)).as(image).isNotIn("latest", "nightly", "latest-release");
        }
        assertThat(images).contains("apache/kafka:" + AppInfoParser.getVersion());
    }

    @Test
    void everyLongRunningServiceHasAHealthcheckOrProbesAndStopsGracefully() throws Exception {
        // Compose: everything but the one-shot jobs has a healthcheck and time for a clean stop
        map(compose().get("services")).forEach((name, s) -> {
            Map<String, Object> service = map(s);
            if ("no".equals(service.get("restart"))) return;
            assertThat(service).as(name + " healthcheck").containsKey("healthcheck");
            assertThat(service).as(name + " stop_grace_period").containsKey("stop_grace_period");
        });
        // the service's grace period outlasts its own close (LearningService.close waits up to 30 s)
        Duration grace = Durations.parse(String.valueOf(at(compose(), "services", "metalearner", "stop_grace_period")));
        assertThat(grace).isGreaterThan(Duration.ofSeconds(30));
        // Kubernetes: every long-running container has a liveness and a readiness probe
        for (String overlay : OVERLAYS) {
            List<Map<String, Object>> objects = renderedOrSkip(overlay);
            for (Map<String, Object> w : workloads(objects)) {
                if ("Job".equals(w.get("kind"))) continue;
                for (Map<String, Object> c : podContainers(w)) {
                    assertThat(c).as(w.get("kind") + "/" + name(w)).containsKeys("livenessProbe", "readinessProbe");
                }
            }
        }
    }

    @Test
    void strimziResourcesAreV1AndTheServicesUserMayWriteItsTransactions() throws Exception {
        for (String overlay : OVERLAYS) {
            List<Map<String, Object>> objects = renderedOrSkip(overlay);
            // then every Strimzi resource is kafka.strimzi.io/v1, KRaft through a node pool
            objects.stream().filter(o -> String.valueOf(o.get("apiVersion")).startsWith("kafka.strimzi.io"))
                    .forEach(o -> assertThat(o.get("apiVersion")).as(o.get("kind") + "/" + name(o)).isEqualTo("kafka.strimzi.io/v1"));
            assertThat(ofKind(objects, "KafkaNodePool")).isNotEmpty();
            // and the service's user has Write and Describe on its transactional ids and its topics
            Map<String, Object> user = ofKind(objects, "KafkaUser").stream().filter(u -> name(u).equals("metalearner")).findFirst().orElseThrow();
            List<Map<String, Object>> acls = list(at(user, "spec", "authorization", "acls")).stream().map(DeployFiles::map).toList();
            assertThat(acls).anySatisfy(a -> {
                assertThat(at(a, "resource", "type")).isEqualTo("transactionalId");
                assertThat(at(a, "resource", "name")).isEqualTo(DEFAULTS.applicationId() + "-");
                assertThat(at(a, "resource", "patternType")).isEqualTo("prefix");
                assertThat(strings(a.get("operations"))).contains("Write", "Describe");
            });
            for (Topic<?, ?> topic : Topics.of(DEFAULTS).all()) {
                assertThat(acls).as("ACL on " + topic.name()).anySatisfy(a -> {
                    assertThat(at(a, "resource", "name")).isEqualTo(topic.name());
                    assertThat(strings(a.get("operations"))).contains("Read", "Write");
                });
            }
            // and a KafkaConnect takes its connectors from KafkaConnector resources
            for (Map<String, Object> connect : ofKind(objects, "KafkaConnect")) {
                assertThat(map(at(connect, "metadata", "annotations"))).containsEntry("strimzi.io/use-connector-resources", "true");
                assertThat(ofKind(objects, "KafkaConnector")).hasSize(3);
            }
        }
    }

    @Test
    void theWritersUserMayReadEveryTopicTheWriterLands() throws Exception {
        for (String overlay : OVERLAYS) {
            List<Map<String, Object>> objects = renderedOrSkip(overlay);
            // then the writer's user may read every topic the writer lands and write its dead letters
            Map<String, Object> writer = ofKind(objects, "KafkaUser").stream().filter(u -> name(u).equals("metalearner-writer"))
                    .findFirst().orElseThrow();
            List<Map<String, Object>> writerAcls = list(at(writer, "spec", "authorization", "acls")).stream().map(DeployFiles::map).toList();
            WriterConfig.Topics landed = WriterConfig.Topics.DEFAULT;
            for (String topic : landed.landed()) {
                assertThat(writerAcls).as("writer ACL on " + topic).anySatisfy(a -> {
                    assertThat(at(a, "resource", "name")).isEqualTo(topic);
                    assertThat(strings(a.get("operations"))).contains("Read", "Describe");
                });
            }
            assertThat(writerAcls).as("writer ACL on " + landed.deadLetter()).anySatisfy(a -> {
                assertThat(at(a, "resource", "name")).isEqualTo(landed.deadLetter());
                assertThat(strings(a.get("operations"))).contains("Write");
            });
        }
    }

    @Test
    void everyUsersAclsCoverWhatItsRoleUsesAndReachNothingOfAnotherRoles() throws Exception {
        for (String overlay : OVERLAYS) {
            List<Map<String, Object>> objects = renderedOrSkip(overlay);
            // given what each role uses: the service's from its config and its topology, the writer's from its
            // config, Connect's from its KafkaConnect and KafkaConnectors
            List<Use> uses = new ArrayList<>();
            ServiceConfig service = ServiceConfig.from(only(kubernetesContainers(objects), "run").config(),
                    only(kubernetesContainers(objects), "run").env());
            String app = service.applicationId();
            Topics.of(service).all().forEach(t -> uses.add(new Use("metalearner", "topic", t.name(), "Write")));
            for (TopologyDescription.Subtopology sub : LearningTopology.build(service).describe().subtopologies()) {
                for (TopologyDescription.Node node : sub.nodes()) {
                    if (node instanceof TopologyDescription.Processor p) {
                        p.stores().forEach(store -> uses.add(new Use("metalearner", "topic", app + "-" + store + "-changelog", "Write")));
                    }
                }
            }
            uses.add(new Use("metalearner", "group", app, "Read"));
            uses.add(new Use("metalearner", "transactionalId", app + "-2f1c7e0a-6a47-4b2e-9d43-0c5d8c0f6e11-1", "Write"));
            kubernetesContainers(objects).stream().filter(c -> c.subcommand().equals("writer")).forEach(c -> {
                WriterConfig writer = WriterConfig.from(c.config(), c.env());
                uses.add(new Use("metalearner-writer", "group", writer.groupId(), "Read"));
                writer.topics().landed().forEach(t -> uses.add(new Use("metalearner-writer", "topic", t, "Read")));
                uses.add(new Use("metalearner-writer", "topic", writer.topics().deadLetter(), "Write"));
            });
            for (Map<String, Object> connect : ofKind(objects, "KafkaConnect")) {
                uses.add(new Use("metalearner-connect", "group", (String) at(connect, "spec", "groupId"), "Read"));
                for (String storage : List.of("configStorageTopic", "offsetStorageTopic", "statusStorageTopic")) {
                    uses.add(new Use("metalearner-connect", "topic", (String) at(connect, "spec", storage), "Write"));
                }
            }
            for (Map<String, Object> connector : ofKind(objects, "KafkaConnector")) {
                uses.add(new Use("metalearner-connect", "group", "connect-" + name(connector), "Read"));
                uses.add(new Use("metalearner-connect", "topic", (String) at(connector, "spec", "config", "topics"), "Read"));
                uses.add(new Use("metalearner-connect", "topic",
                        (String) at(connector, "spec", "config", "errors.deadletterqueue.topic.name"), "Write"));
            }
            List<Acl> acls = new ArrayList<>();
            for (Map<String, Object> user : ofKind(objects, "KafkaUser")) {
                for (Object a : list(at(user, "spec", "authorization", "acls"))) {
                    acls.add(new Acl(name(user), (String) at(a, "resource", "type"), (String) at(a, "resource", "name"),
                            "prefix".equals(at(a, "resource", "patternType")), strings(map(a).get("operations"))));
                }
            }

            for (Use use : uses) {
                // then its own user may do it...
                assertThat(acls).as(overlay + ": " + use + " allowed").anyMatch(a -> a.user().equals(use.user()) && a.allows(use));
                // ...and no other user's prefix reaches it, nor another's ACL its group (named topics
                // are shared on purpose: the writer reads what the service writes)
                assertThat(acls).as(overlay + ": " + use + " reached by another user").noneMatch(a -> !a.user().equals(use.user())
                        && a.matches(use) && (a.prefix() || use.type().equals("group")));
            }
            assertThat(uses).extracting(Use::user).contains("metalearner").containsAnyOf("metalearner-writer", "metalearner-connect");
        }
    }

    /** A resource a role's user reads or writes. */
    private record Use(String user, String type, String name, String operation) {
    }

    /** One ACL of a KafkaUser. */
    private record Acl(String user, String type, String name, boolean prefix, List<String> operations) {
        boolean matches(Use use) {
            return type.equals(use.type()) && (prefix ? use.name().startsWith(name) : use.name().equals(name));
        }

        boolean allows(Use use) {
            return matches(use) && (operations.contains("All") || operations.contains(use.operation()));
        }
    }

    @Test
    void aChangedPropertyRollsThePodsAndLeavesEveryJobAsItWas() throws Exception {
        for (String overlay : OVERLAYS) {
            // given the overlay as it is, and rendered again after a property was added to the config files
            List<Map<String, Object>> before = renderedOrSkip(overlay);
            List<Map<String, Object>> after = renderedWithAChangedProperty(overlay).orElseThrow();

            // then no Job's pod template changed: a Job's template is immutable, so a changed one fails the apply
            for (Map<String, Object> job : ofKind(before, "Job")) {
                Map<String, Object> changed = ofKind(after, "Job").stream().filter(j -> name(j).equals(name(job)))
                        .findFirst().orElseThrow();
                assertThat(at(changed, "spec", "template")).as(overlay + ": Job/" + name(job) + " pod template")
                        .isEqualTo(at(job, "spec", "template"));
            }
            // and the service's pods (which read the config) roll: their ConfigMap's name changed
            assertThat(at(only(after, "StatefulSet", "metalearner"), "spec", "template"))
                    .isNotEqualTo(at(only(before, "StatefulSet", "metalearner"), "spec", "template"));
        }
    }

    @Test
    void everyObjectOfAnOverlayLandsInItsNamespace() throws Exception {
        for (String overlay : OVERLAYS) {
            // then the component's objects too (a namespace set in ../example reaches only its own)
            for (Map<String, Object> o : renderedOrSkip(overlay)) {
                assertThat(at(o, "metadata", "namespace")).as(overlay + ": " + o.get("kind") + "/" + name(o)).isEqualTo("metalearner");
            }
        }
    }

    @Test
    void everyContainerOfEveryWorkloadIsAdmittedByPodSecurityRestricted() throws Exception {
        for (String overlay : OVERLAYS) {
            assertThat(PodSecurityRestricted.violations(renderedOrSkip(overlay))).as(overlay).isEmpty();
        }
    }

    @Test
    void theServicesMemoryLimitHoldsItsHeapRocksDbAndTheJvmsNativeMemory() throws Exception {
        for (String overlay : OVERLAYS) {
            List<Map<String, Object>> objects = renderedOrSkip(overlay);
            Container run = only(kubernetesContainers(objects), "run");
            Map<String, Object> spec = containerSpec(objects, run);
            long limit = bytes(String.valueOf(at(spec, "resources", "limits", "memory")));
            long request = bytes(String.valueOf(at(spec, "resources", "requests", "memory")));
            Matcher percent = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)").matcher(run.env().getOrDefault("JAVA_OPTS", ""));
            assertThat(percent.find()).as(overlay + ": JAVA_OPTS sets MaxRAMPercentage").isTrue();
            long heap = limit * Long.parseLong(percent.group(1)) / 100;
            long rocksDb = ServiceConfig.from(run.config(), run.env()).rocksDbMemoryBytes();
            // then heap + RocksDB + the JVM's native memory fit under the limit, and the request
            // covers what one instance measured with 1,000 models (docs/BENCHMARKS.md "RocksDB memory")
            assertThat(heap + rocksDb + JVM_NATIVE_BYTES).as(overlay + ": heap " + heap + " + RocksDB " + rocksDb
                    + " + native " + JVM_NATIVE_BYTES + " within the limit " + limit).isLessThanOrEqualTo(limit);
            assertThat(request).as(overlay + ": memory request").isGreaterThanOrEqualTo(MEASURED_RSS_1000_MODELS);
        }
    }

    /** A Kubernetes memory quantity in bytes (the binary suffixes the manifests use). */
    private static long bytes(String quantity) {
        Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi)?").matcher(quantity);
        assertThat(m.matches()).as("memory quantity " + quantity).isTrue();
        long n = Long.parseLong(m.group(1));
        return m.group(2) == null ? n : n << switch (m.group(2)) { case "Ki" -> 10; case "Mi" -> 20; default -> 30; };
    }

    @Test
    void everyRenderedObjectIsValidAgainstTheSchemaOfItsKind() throws Exception {
        // given Kubernetes' schemas, the Prometheus Operator's and the CRDs of the Strimzi release the manifests need
        ManifestSchemas schemas = ManifestSchemas.load();
        for (String overlay : OVERLAYS) {
            // then every object of every overlay is valid, strictly: no field its kind does not define
            assertThat(schemas.violations(renderedOrSkip(overlay))).as(overlay).isEmpty();
        }
    }

    @Test
    void theServiceIsAStaticMemberNamedAfterItsPodAndNoTwoReplicasShareANode() throws Exception {
        for (String overlay : OVERLAYS) {
            List<Map<String, Object>> objects = renderedOrSkip(overlay);
            Map<String, Object> sts = only(objects, "StatefulSet", "metalearner");
            Map<String, Object> container = podContainers(sts).get(0);
            // then its group.instance.id is the pod's name (stable in a StatefulSet), from the Downward API...
            List<Map<String, Object>> env = list(container.get("env")).stream().map(DeployFiles::map).toList();
            List<String> names = env.stream().map(e -> (String) e.get("name")).toList();
            String variable = ConfigFile.envName(ConfigParts.STREAMS_PREFIX + "group.instance.id");
            assertThat(names).as(overlay).contains("POD_NAME", variable);
            assertThat(names.indexOf("POD_NAME")).as("POD_NAME is declared before it is used").isLessThan(names.indexOf(variable));
            assertThat(at(env.get(names.indexOf("POD_NAME")), "valueFrom", "fieldRef", "fieldPath")).isEqualTo("metadata.name");
            assertThat(env.get(names.indexOf(variable)).get("value")).isEqualTo("$(POD_NAME)");
            // ...which the service hands to Kafka Streams' consumer
            Container service = only(kubernetesContainers(objects), "run");
            assertThat(ServiceConfig.from(service.config(), service.env()).streamsOverrides())
                    .containsEntry("group.instance.id", "$(POD_NAME)");
            // and the scheduler never places two replicas on one node
            Map<String, Object> labels = map(at(sts, "spec", "template", "metadata", "labels"));
            List<Map<String, Object>> antiAffinity = list(at(podSpec(sts), "affinity", "podAntiAffinity",
                    "requiredDuringSchedulingIgnoredDuringExecution")).stream().map(DeployFiles::map).toList();
            assertThat(antiAffinity).as(overlay + ": required pod anti-affinity").anySatisfy(term -> {
                assertThat(term.get("topologyKey")).isEqualTo("kubernetes.io/hostname");
                assertThat(labels).containsAllEntriesOf(map(at(term, "labelSelector", "matchLabels")));
                assertThat(map(at(term, "labelSelector", "matchLabels"))).isNotEmpty();
            });
        }
    }

    private static Map<String, Object> only(List<Map<String, Object>> objects, String kind, String name) {
        return ofKind(objects, kind).stream().filter(o -> name(o).equals(name)).findFirst().orElseThrow();
    }

    private static Container only(List<Container> containers, String subcommand) {
        List<Container> found = containers.stream().filter(c -> c.subcommand().equals(subcommand)).toList();
        assertThat(found).as(subcommand).hasSize(1);
        return found.get(0);
    }

    private static List<Map<String, Object>> renderedOrSkip(String overlay) throws Exception {
        var rendered = rendered(overlay);
        Assumptions.assumeTrue(rendered.isPresent(),
                "kubectl is not installed: deploy/k8s is not rendered, so its manifests are not checked here");
        return rendered.get();
    }

    private static void assertHealthcheck(Map<String, Object> services, String service, int port, String path) {
        String test = String.join(" ", strings(at(services, service, "healthcheck", "test")));
        Matcher m = HEALTH_URL.matcher(test);
        assertThat(m.find()).as(service + " healthcheck " + test).isTrue();
        assertThat(Integer.parseInt(m.group(1))).as(service + " healthcheck port").isEqualTo(port);
        assertThat(m.group(2)).as(service + " healthcheck path").isEqualTo(path);
    }

    private static Map<String, Object> containerSpec(List<Map<String, Object>> objects, Container c) {
        String[] kindAndName = c.where().split("/");
        Map<String, Object> workload = workloads(objects).stream()
                .filter(w -> w.get("kind").equals(kindAndName[0]) && name(w).equals(kindAndName[1])).findFirst().orElseThrow();
        return podContainers(workload).stream().filter(s -> String.valueOf(s.get("image")).contains("/" + IMAGE + ":"))
                .findFirst().orElseThrow();
    }

    private static void assertProbes(Map<String, Object> container, int port, String livePath, String readyPath) {
        Map<String, Integer> ports = new TreeMap<>();
        list(container.get("ports")).forEach(p -> ports.put((String) map(p).get("name"), (Integer) map(p).get("containerPort")));
        for (var probe : Map.of("livenessProbe", livePath, "readinessProbe", readyPath).entrySet()) {
            Object probePort = at(container, probe.getKey(), "httpGet", "port");
            int resolved = probePort instanceof Integer n ? n : ports.get((String) probePort);
            assertThat(resolved).as(probe.getKey() + " port").isEqualTo(port);
            assertThat(at(container, probe.getKey(), "httpGet", "path")).as(probe.getKey() + " path").isEqualTo(probe.getValue());
        }
    }
}
