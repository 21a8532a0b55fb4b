package io.pim.metalearner.sink;

import io.pim.metalearner.testing.Landing;
import io.pim.metalearner.testing.TradeHistory;
import io.pim.metalearner.tools.embedded.EmbeddedDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.PostgresExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.TestKafka;
import io.pim.metalearner.testing.TestNames;
import io.pim.metalearner.testing.TestPostgres;
import io.pim.metalearner.testing.TestProducers;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
@ExtendWith({KafkaExtension.class, RegistryExtension.class, PostgresExtension.class})
class ConnectSinkIT {
    private static final Path DEPLOY = Path.of("deploy/connect");
    private static final Path CONVERTER_PLUGIN = Path.of("target/connect-plugins/apicurio-converter");
    private static final List<String> TABLES = List.of("metalearner_training_log", "agent_performance", "metalearner_weights");
    /** As named in deploy/connect's files. */
    private static final String CONNECT_DEAD_LETTERS = "dead-letter-connect";

    @Test
    void debeziumsSinkLandsTheSameRowsAsTheJdbiWriter(@TempDir Path work, TestKafka broker, EmbeddedRegistry registry,
                                                      TestPostgres postgres) throws Exception {
        // given: 1,000 trained trades on the topics (in transactions, one aborted), a poison record among
        // them, and two databases migrated by Flyway
        WriterConfig.Topics topics = Landing.topics(TestNames.unique("both"));
        Landing.createTopics(broker, topics);
        List<TradeHistory.Step> history = TradeHistory.generate("default", 1_000, 99);
        Landing.produce(broker.bootstrapServers(), registry.apiUrl(), topics, history.subList(0, 500));
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(TestProducers.config(broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            TestProducers.sendAndWait(raw, new ProducerRecord<>(topics.trainingLog(), "default".getBytes(), "not avro at all".getBytes()));
        }
        Landing.produce(broker.bootstrapServers(), registry.apiUrl(), topics, history.subList(500, 1_000));
        String byJdbi = postgres.createDatabase("by_jdbi").jdbcUrl();
        TestPostgres.Database byConnectDatabase = postgres.createDatabase("by_connect");
        String byConnect = byConnectDatabase.jdbcUrl();
        Migrations.migrate(byConnectDatabase.dataSource());
        // the worker would create its dead-letter topic with the files' replication factor (3, a real cluster's);
        // the files name it, so it is the one name here not made unique: only this test uses it
        broker.createTopics(new NewTopic(CONNECT_DEAD_LETTERS, 1, (short) 1));

        // when: the JDBI writer lands them in one database ...
        try (JdbiWriter writer = JdbiWriter.start(Landing.writerConfig(broker, registry.apiUrl(), byJdbi, topics,
                TestNames.unique("jdbi")))) {
            writer.awaitCaughtUp(Duration.ofSeconds(120));
            assertThat(writer.deadLettered()).isEqualTo(1);
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
                // the files name the 3.x converter's 4-byte id handler; the 2.6 converter this worker runs
                // has its own class for the same frame, and speaks the registry's v2 API
                assertThat(config.remove("value.converter.apicurio.registry.id-handler"))
                        .isEqualTo("io.apicurio.registry.serde.Default4ByteIdHandler");
                config.put("value.converter.apicurio.registry.id-handler", "io.apicurio.registry.serde.Legacy4ByteIdHandler");
                config.put("value.converter.apicurio.registry.url", registry.url() + "/apis/registry/v2");
                String name = file.get("name").asText();
                config.put("name", name); // the REST API takes it from the body; the herder wants it in the config
                FutureCallback<org.apache.kafka.connect.runtime.Herder.Created<org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo>> created =
                        new FutureCallback<>();
                connect.herder().putConnectorConfig(name, config, false, created);
                created.get(120, TimeUnit.SECONDS);
                connectors.add(name);
            }
            // then: row for row the same, JSONB compared as JSON
            awaitSameRows(Landing.jdbi(byJdbi), Landing.jdbi(byConnect), connect, connectors, Duration.ofSeconds(300));
            assertThat(JdbiWriter.rowCounts(Landing.jdbi(byConnect))).containsExactly(
                    Map.entry("metalearner_training_log", 1_000L), Map.entry("agent_performance", 9L),
                    Map.entry("metalearner_weights", 100L));
            // then: the poison record did not stop the task; it is on Connect's dead-letter topic, with context
            List<ConsumerRecord<byte[], byte[]>> letters = readAll(broker, CONNECT_DEAD_LETTERS, 1);
            assertThat(letters).hasSize(1);
            assertThat(new String(letters.get(0).value())).isEqualTo("not avro at all");
            assertThat(new String(letters.get(0).headers().lastHeader("__connect.errors.topic").value()))
                    .isEqualTo(topics.trainingLog());
            for (String connector : connectors) {
                assertThat(connect.herder().connectorStatus(connector).tasks()).extracting(t -> t.state()).containsOnly("RUNNING");
            }
        } finally {
            connect.stop();
            connect.awaitStop();
        }
    }

    /**
     * A standalone worker. Apicurio's 2.6 converter (the newest whose jars the build can fetch) is a
     * plugin of its own (its serde classes clash with the 3.1 serdes on our classpath); it ships no
     * ServiceLoader manifest, so the plugin directory gets one, which service_load discovery needs.
     */
    private static Map<String, String> workerConfig(TestKafka broker, Path work) throws Exception {
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
        // what deploy/connect/README.md asks of a worker, for ${env:...} in the connector configs
        worker.put("config.providers", "env");
        worker.put("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        return worker;
    }

    /**
     * Waits until the sink's tables hold what the JDBI writer's do. (Not the group's lag: a sink task
     * commits "last record + 1", which stays one short of a partition that ends in a commit marker.)
     */
    private static void awaitSameRows(Jdbi expected, Jdbi actual, Connect<StandaloneHerder> connect, List<String> connectors,
                                      Duration timeout) throws InterruptedException {
        Map<String, List<Map<String, Object>>> want = new LinkedHashMap<>();
        for (String table : TABLES) want.put(table, Landing.dump(expected, table));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, List<Map<String, Object>>> have = new LinkedHashMap<>();
            for (String table : TABLES) have.put(table, Landing.dump(actual, table));
            if (have.equals(want)) return;
            if (System.nanoTime() > deadline) {
                String status = connectors.stream().map(c -> status(connect, c)).collect(java.util.stream.Collectors.joining("; "));
                for (String table : TABLES) assertThat(have.get(table)).as(table + " (" + status + ")").isEqualTo(want.get(table));
            }
            Thread.sleep(250);
        }
    }

    private static String status(Connect<StandaloneHerder> connect, String connector) {
        var info = connect.herder().connectorStatus(connector);
        return connector + " " + info.connector().state() + ", tasks " + info.tasks().stream()
                .map(t -> t.state() + (t.trace() == null ? "" : ": " + t.trace().lines().findFirst().orElse(""))).toList();
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(TestKafka broker, String topic, int expected) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, TestNames.unique("reader-" + topic),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return records;
        }
    }
}
