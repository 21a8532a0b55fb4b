package io.pim.metalearner.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.ops.EmbeddedRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Connect route: Debezium's JDBC sink, configured by the files a user posts to their Connect
 * cluster ({@code deploy/connect/}), running in a real Connect worker in this JVM, lands the same
 * topics into a second database. Both databases must then hold the same rows.
 */
class ConnectSinkTest {
    private static final Path DEPLOY = Path.of("deploy/connect");
    private static final Path CONVERTER_PLUGIN = Path.of("target/connect-plugins/apicurio-converter");
    private static final List<String> TABLES = List.of("metalearner_training_log", "agent_performance", "metalearner_weights");

    @Test
    void debeziumsSinkLandsTheSameRowsAsTheJdbiWriter(@TempDir Path work) throws Exception {
        try (KafkaClusterTestKit broker = Landing.startBroker();
             EmbeddedRegistry registry = EmbeddedRegistry.start();
             EmbeddedDatabase postgres = EmbeddedDatabase.start()) {
            // given: 1,000 trained trades on the topics, and two databases migrated by Flyway
            WriterConfig.Topics topics = Landing.topics("both");
            Landing.createTopics(broker.bootstrapServers(), topics);
            Landing.produce(broker.bootstrapServers(), registry.apiUrl(), topics, TradeHistory.generate("default", 1_000, 99));
            String byJdbi = Landing.createDatabase(postgres, "by_jdbi");
            String byConnect = Landing.createDatabase(postgres, "by_connect");
            Migrations.migrate(dataSource(byConnect));

            // when: the JDBI writer lands them in one database ...
            try (JdbiWriter writer = JdbiWriter.start(Landing.writerConfig(broker, registry.apiUrl(), byJdbi, topics, "jdbi"))) {
                writer.awaitCaughtUp(Duration.ofSeconds(60));
            }
            // ... and Debezium's sink, with deploy/connect's configs, in the other
            Connect<StandaloneHerder> connect = new ConnectStandalone().startConnect(workerConfig(broker, work));
            try {
                Map<String, String> topicOf = Map.of("training-log", topics.trainingLog(),
                        "agent-performance", topics.agentPerformance(), "weight-snapshots", topics.weightSnapshots());
                List<String> connectors = new java.util.ArrayList<>();
                for (Map.Entry<String, String> topic : topicOf.entrySet()) {
                    JsonNode file = new ObjectMapper().readTree(DEPLOY.resolve(topic.getKey() + ".json").toFile());
                    Map<String, String> config = new LinkedHashMap<>();
                    file.get("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
                    // what a user changes for their site: topics, database and registry addresses
                    config.put("topics", topic.getValue());
                    config.put("connection.url", byConnect);
                    config.put("connection.username", EmbeddedDatabase.USER);
                    config.put("connection.password", EmbeddedDatabase.PASSWORD);
                    config.put("value.converter.apicurio.registry.url", registry.url() + "/apis/registry/v2");
                    String name = file.get("name").asText();
                    config.put("name", name); // the REST API takes it from the body; the herder wants it in the config
                    FutureCallback<org.apache.kafka.connect.runtime.Herder.Created<org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo>> created =
                            new FutureCallback<>();
                    connect.herder().putConnectorConfig(name, config, false, created);
                    created.get(30, TimeUnit.SECONDS);
                    connectors.add(name);
                }
                awaitConnectCaughtUp(broker, connectors, topicOf.values(), Duration.ofSeconds(120));
            } finally {
                connect.stop();
                connect.awaitStop();
            }

            // then: row for row the same, JSONB compared as JSON
            Jdbi jdbi = Landing.jdbi(byJdbi);
            Jdbi debezium = Landing.jdbi(byConnect);
            assertThat(JdbiWriter.rowCounts(debezium)).containsExactly(
                    Map.entry("metalearner_training_log", 1_000L), Map.entry("agent_performance", 9L),
                    Map.entry("metalearner_weights", 100L));
            for (String table : TABLES) {
                assertThat(Landing.dump(debezium, table)).as(table).isEqualTo(Landing.dump(jdbi, table));
            }
        }
    }

    private static javax.sql.DataSource dataSource(String jdbcUrl) {
        org.postgresql.ds.PGSimpleDataSource dataSource = new org.postgresql.ds.PGSimpleDataSource();
        dataSource.setURL(jdbcUrl);
        dataSource.setUser(EmbeddedDatabase.USER);
        dataSource.setPassword(EmbeddedDatabase.PASSWORD);
        return dataSource;
    }

    /**
     * A standalone worker. Apicurio's 2.6 converter is a plugin of its own (its serde classes
     * clash with the 3.1 serdes on our classpath); it ships no ServiceLoader manifest, so the
     * plugin directory gets one, which service_load discovery needs.
     */
    private static Map<String, String> workerConfig(KafkaClusterTestKit broker, Path work) throws Exception {
        Path plugin = work.resolve("plugins/apicurio-converter");
        Files.createDirectories(plugin);
        try (var jars = Files.list(CONVERTER_PLUGIN)) {
            for (Path jar : jars.toList()) Files.copy(jar, plugin.resolve(jar.getFileName()));
        }
        assertThat(plugin.toFile().list()).as("converter plugin staged by the build in " + CONVERTER_PLUGIN).hasSizeGreaterThan(5);
        try (OutputStream out = Files.newOutputStream(plugin.resolve("apicurio-converter-services.jar"));
             JarOutputStream jar = new JarOutputStream(out)) {
            jar.putNextEntry(new JarEntry("META-INF/services/org.apache.kafka.connect.storage.Converter"));
            jar.write("io.apicurio.registry.utils.converter.AvroConverter\n".getBytes());
            jar.closeEntry();
        }
        Map<String, String> worker = new HashMap<>();
        worker.put("bootstrap.servers", broker.bootstrapServers());
        worker.put("listeners", "http://127.0.0.1:0");
        worker.put("key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        worker.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        worker.put("offset.storage.file.filename", work.resolve("connect.offsets").toString());
        worker.put("offset.flush.interval.ms", "500");
        worker.put("plugin.path", work.resolve("plugins").toAbsolutePath().toString());
        worker.put("plugin.discovery", "service_load");
        return worker;
    }

    private static void awaitConnectCaughtUp(KafkaClusterTestKit broker, List<String> connectors,
                                             java.util.Collection<String> topics, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            while (true) {
                Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
                admin.describeTopics(topics).allTopicNames().get().forEach((name, d) ->
                        d.partitions().forEach(p -> specs.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
                Map<TopicPartition, Long> end = new HashMap<>();
                admin.listOffsets(specs).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
                Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
                for (String connector : connectors) {
                    committed.putAll(admin.listConsumerGroupOffsets("connect-" + connector).partitionsToOffsetAndMetadata().get());
                }
                long lag = end.entrySet().stream().mapToLong(e -> {
                    OffsetAndMetadata at = committed.get(e.getKey());
                    return Math.max(0, e.getValue() - (at == null ? 0 : at.offset()));
                }).sum();
                if (lag == 0) return;
                assertThat(System.nanoTime()).as("Connect sink still %d records behind", lag).isLessThan(deadline);
                Thread.sleep(250);
            }
        }
    }
}
