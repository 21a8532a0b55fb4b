package io.pim.metalearner.tools.embedded;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A single-node Kafka 4.3 cluster in this JVM for the embedded default: one process in combined
 * mode (broker and KRaft controller), on free loopback ports, with its log directory in a fresh
 * temporary folder that {@link #close()} deletes.
 *
 * <p>It runs the broker itself ({@link KafkaRaftServer}) and the storage formatter that
 * {@code kafka-storage.sh format} runs: the one embedded broker of the demo, the harness and the
 * tests. Every internal topic is
 * sized for one node: the offsets and transaction-state topics with replication factor 1 and
 * min ISR 1, without which exactly-once producers (and Kafka Streams under exactly_once_v2)
 * would wait forever for replicas that don't exist.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final KafkaRaftServer server;
    private final Path directory;
    private final String bootstrapServers;
    private boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, Path directory, String bootstrapServers) {
        this.server = server;
        this.directory = directory;
        this.bootstrapServers = bootstrapServers;
    }

    /** Formats a fresh log directory, starts the node and waits until it serves clients. */
    public static EmbeddedKafka start() throws Exception {
        return start(Map.of());
    }

    /** As {@link #start()}, with broker settings that replace the defaults below. */
    public static EmbeddedKafka start(Map<String, String> overrides) throws Exception {
        Path directory = Files.createTempDirectory("metalearner-kafka-");
        try {
            String logDir = directory.resolve("logs").toString();
            int brokerPort = freePort();
            int controllerPort = freePort();
            Properties properties = properties(logDir, brokerPort, controllerPort);
            properties.putAll(overrides);
            KafkaConfig config = KafkaConfig.fromProps(properties, false);
            format(logDir);
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            EmbeddedKafka kafka = new EmbeddedKafka(server, directory, "127.0.0.1:" + brokerPort);
            try {
                server.startup();
                kafka.awaitReady(Duration.ofSeconds(60));
            } catch (Exception | Error e) {
                kafka.close();
                throw e;
            }
            log.info("Embedded Kafka ready at {} (data: {})", kafka.bootstrapServers(), directory);
            return kafka;
        } catch (Exception | Error e) {
            deleteRecursively(directory);
            throw e;
        }
    }

    /** {@code host:port} for the clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The temporary folder holding the node's data; gone after {@link #close()}. */
    Path directory() {
        return directory;
    }

    public static Properties properties(String logDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir);
        // one node: every replication factor is 1, including the internal topics that
        // transactions (exactly-once) and consumer groups depend on
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        // fewer internal partitions than the production default of 50: faster start, same semantics
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("num.partitions", "1");
        // a demo has no other members to wait for before the first rebalance
        p.put("group.initial.rebalance.delay.ms", "0");
        // the log cleaner zeroes its whole dedupe map before every cleaning, and the changelogs' 16 MiB
        // segments are cleaned often: 128 MiB (the default) took 4.5 % of this broker's CPU at 100
        // trades/s. 16 MiB still holds ~600,000 keys per pass, far more than a changelog here has.
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        // topics are created on purpose (LearningService, tests): a typo must not make a new topic
        p.put("auto.create.topics.enable", "false");
        return p;
    }

    /** What {@code kafka-storage.sh format} does: write meta.properties and the bootstrap metadata. */
    public static void format(String logDir) throws Exception {
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir))
                .setMetadataLogDirectory(logDir)
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setControllerListenerName(CONTROLLER_LISTENER)
                .run();
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000))) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) return;
                } catch (Exception notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Embedded Kafka not ready after " + timeout.toSeconds() + " s", notYet);
                    }
                }
                Thread.sleep(100);
            }
        }
    }

    /** Shuts the node down cleanly, then deletes its temporary directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            deleteRecursively(directory);
        }
        log.info("Embedded Kafka stopped");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + root, e);
        }
    }
}
