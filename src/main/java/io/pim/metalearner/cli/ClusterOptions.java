package io.pim.metalearner.cli;

import io.pim.metalearner.config.ServiceConfig;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** Where the service runs, as {@code run} is told: its config file, or the two addresses (which override the file's). */
final class ClusterOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "The service's config file (topic names, application.id, checkpoint.*, learner config).")
    Path configFile;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Kafka cluster (overrides the config file's).")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "URL", description = "Apicurio v3 API root (overrides the config file's).")
    String registryUrl;

    /** @throws IllegalArgumentException naming the missing or bad key */
    ServiceConfig config() {
        Properties p = new Properties();
        if (configFile != null) {
            try (Reader reader = Files.newBufferedReader(configFile)) {
                p.load(reader);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read config file " + configFile + ": " + e.getMessage(), e);
            }
        }
        if (bootstrapServers != null) p.setProperty("bootstrap.servers", bootstrapServers);
        if (registryUrl != null) p.setProperty("registry.url", registryUrl);
        return ServiceConfig.from(p, System.getenv());
    }
}
