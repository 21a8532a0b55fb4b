package io.pim.metalearner.testing;

import io.pim.metalearner.config.ConfigParts;
import io.pim.metalearner.kafka.Topic;
import io.pim.metalearner.kafka.Topics;

import io.pim.metalearner.stream.LearningService;
import io.pim.metalearner.config.ServiceConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A learning service's settings for a test on the shared broker: its own application id and
 * every one of its topics named {@code <name>.<topic>}, so services of different tests never read
 * each other's trades, commands or checkpoints.
 */
public final class ServiceProperties {
    private ServiceProperties() {
    }

    /** {@code name} made unique ({@link TestNames}) as the application id and the topics' prefix. */
    public static Properties isolated(String name, TestKafka kafka, String registryUrl, Path stateDir) {
        String unique = TestNames.unique(name);
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", kafka.bootstrapServers());
        p.setProperty("registry.url", registryUrl);
        p.setProperty("application.id", unique);
        p.setProperty("state.dir", stateDir.toString());
        for (String topic : ConfigParts.TOPICS) p.setProperty("topic." + topic, unique + "." + topic);
        return p;
    }

    /** The config of {@link #isolated}, checked to leave no topic on its default name. */
    public static ServiceConfig config(Properties isolated) {
        ServiceConfig config = ServiceConfig.from(isolated, Map.of());
        for (String name : topicNames(config)) {
            if (!name.startsWith(config.applicationId() + ".")) {
                throw new IllegalStateException("topic " + name + " keeps its shared name");
            }
        }
        return config;
    }

    /** Every topic the config names, e.g. to wait for their leaders after the service created them. */
    public static List<String> topicNames(ServiceConfig config) {
        return Topics.of(config).all().stream().map(Topic::name).toList();
    }

    /** The settings as a config file, as ops write one for the CLI. */
    public static Path write(Properties settings, Path file) throws IOException {
        try (var out = Files.newBufferedWriter(file)) {
            settings.store(out, null);
        }
        return file;
    }

    /** A service on the config's topics (created, leaders awaited before a test produces to them), RUNNING. */
    public static LearningService startRunning(TestKafka kafka, ServiceConfig config) throws Exception {
        LearningService service = new LearningService(config);
        run(kafka, service, config);
        return service;
    }

    /** Creates the service's topics, waits for their leaders (a test produces to them next), starts it, waits for RUNNING. */
    public static void run(TestKafka kafka, LearningService service, ServiceConfig config) throws Exception {
        service.createTopics();
        kafka.awaitLeaders(topicNames(config));
        service.start();
        service.awaitRunning(Duration.ofSeconds(180));
    }
}
