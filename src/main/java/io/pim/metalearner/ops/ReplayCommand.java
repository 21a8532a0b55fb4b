package io.pim.metalearner.ops;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.stream.ServiceConfig;
import io.pim.metalearner.stream.TrainingReplay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Retrains a fresh learner from a model's training topic, from the beginning, and prints its
 * fingerprint: equal to the live model's when nothing is lost or repeated.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Train a fresh learner on a model's training-topic records, in order, from the beginning; "
                + "print one JSON line with its step count and fingerprint.")
final class ReplayCommand implements Callable<Integer> {
    private static final JsonMapper MAPPER = new JsonMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--model-id", defaultValue = "default", paramLabel = "M", description = "Model to replay. Default ${DEFAULT-VALUE}.")
    String modelId;

    @Option(names = "--config", paramLabel = "FILE",
            description = "The service's config file: topic names and the learner config (roster, engine, seed, ...).")
    Path configFile;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Kafka cluster (overrides the config file's).")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "URL", description = "Apicurio v3 API root (overrides the config file's).")
    String registryUrl;

    @Override
    public Integer call() throws Exception {
        ServiceConfig config = config();
        TrainingReplay.Result result = TrainingReplay.fromTopic(config, config.learner(), modelId);
        ObjectNode line = MAPPER.createObjectNode();
        line.put("model_id", modelId);
        line.put("records", result.records());
        line.put("skipped", result.skipped());
        line.put("training_step", result.learner().step());
        line.put("fingerprint", result.learner().fingerprint());
        ObjectNode weights = line.putObject("agent_weights");
        result.learner().weights().forEach(weights::put);
        spec.commandLine().getOut().println(MAPPER.writeValueAsString(line));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private ServiceConfig config() {
        try {
            java.util.Properties p = new java.util.Properties();
            if (configFile != null) {
                try (var reader = java.nio.file.Files.newBufferedReader(configFile)) {
                    p.load(reader);
                }
            }
            if (bootstrapServers != null) p.setProperty("bootstrap.servers", bootstrapServers);
            if (registryUrl != null) p.setProperty("registry.url", registryUrl);
            return ServiceConfig.from(p, System.getenv());
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
