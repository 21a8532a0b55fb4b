package io.pim.metalearner.ops;

import io.pim.metalearner.stream.LearningTopology;
import io.pim.metalearner.stream.ServiceConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/** Picocli mixins for the flags several subcommands share, so each is declared and described once. */
final class SharedOptions {
    private SharedOptions() {
    }

    /** {@code --config FILE} of a process that needs one (run, writer, migrate). */
    static final class ConfigFileOption {
        @Option(names = "--config", required = true, paramLabel = "FILE",
                description = "Properties file (every key is in docs/CONFIG.md); METALEARNER_<KEY> environment "
                        + "variables override it, e.g. METALEARNER_BOOTSTRAP_SERVERS.")
        Path file;
    }

    /** {@code --model-id M} of the commands that act on one model. */
    static final class ModelOption {
        @Option(names = "--model-id", paramLabel = "M", description = "The model; default the config's model.default-id (default).")
        String modelId;

        /** The model named, or the config's default model. */
        String resolve(ServiceConfig config) {
            return LearningTopology.modelIdOf(modelId, config.defaultModelId());
        }
    }

    /** {@code --timeout} of the commands that wait for the service. */
    static final class TimeoutOption {
        @Option(names = "--timeout", defaultValue = "30s", paramLabel = "DURATION",
                description = "How long to wait for the service's answer (e.g. 30s, 2m or ISO-8601 PT1M). Default ${DEFAULT-VALUE}.")
        Duration timeout;
    }
}
