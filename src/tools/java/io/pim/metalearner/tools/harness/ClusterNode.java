package io.pim.metalearner.tools.harness;

import io.pim.metalearner.tools.embedded.EmbeddedKafka;
import io.pim.metalearner.tools.embedded.EmbeddedDatabase;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Time;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One piece of the multi-process harness ({@code bin/harness}) in a JVM of its own, until SIGTERM:
 * the Kafka node (combined broker and KRaft controller, {@link EmbeddedKafka}'s settings) or
 * PostgreSQL ({@link EmbeddedDatabase}), on fixed ports and in a data folder that outlives the
 * process, so the harness can stop and start it again. Prints {@code READY} on stdout once it
 * serves clients, which is what the harness waits for.
 *
 * <pre>
 *   java -cp ... io.pim.metalearner.tools.harness.ClusterNode kafka DIR PORT CONTROLLER_PORT
 *   java -cp ... io.pim.metalearner.tools.harness.ClusterNode postgres DIR PORT
 * </pre>
 */
public final class ClusterNode {
    private ClusterNode() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("kafka")) {
            kafka(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        } else if (args.length == 3 && args[0].equals("postgres")) {
            postgres(Path.of(args[1]), Integer.parseInt(args[2]));
        } else {
            System.err.println("usage: ClusterNode kafka DIR PORT CONTROLLER_PORT | postgres DIR PORT");
            System.exit(2);
        }
    }

    private static void kafka(Path dir, int port, int controllerPort) throws Exception {
        String logDir = dir.toAbsolutePath().toString();
        // formatted once: a restart keeps the cluster id and every topic
        if (!Files.exists(dir.resolve("meta.properties"))) {
            Files.createDirectories(dir);
            EmbeddedKafka.format(logDir);
        }
        KafkaRaftServer server = new KafkaRaftServer(
                KafkaConfig.fromProps(EmbeddedKafka.properties(logDir, port, controllerPort), false), Time.SYSTEM);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            server.awaitShutdown();
        }, "kafka-shutdown"));
        server.startup();
        awaitBroker("127.0.0.1:" + port);
        ready("kafka at 127.0.0.1:" + port);
        server.awaitShutdown();
    }

    private static void postgres(Path dir, int port) throws Exception {
        EmbeddedDatabase database = EmbeddedDatabase.start(dir.toAbsolutePath(), port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                database.close();
            } catch (Exception e) {
                System.err.println("postgres did not stop cleanly: " + e);
            }
            stopped.countDown();
        }, "postgres-shutdown"));
        ready("postgres at " + database.jdbcUrl());
        stopped.await();
    }

    private static void ready(String what) {
        System.out.println("READY " + what);
        System.out.flush();
    }

    private static void awaitBroker(String bootstrapServers) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000))) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) return;
                } catch (Exception notYet) {
                    // not serving yet; the harness gives up after its own deadline
                }
                Thread.sleep(200);
            }
        }
    }
}
