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

    /**
     * The learner choices {@code learn} and {@code replay --as} share; each left out keeps the
     * base config's value (learn: the defaults; replay: the service config's).
     */
    static final class LearnerChoice {
        @Option(names = "--spec", paramLabel = "SPEC",
                description = "Learner variant: MODEL[+RULE] or a preset (original, ridge, ridge-tracking, net, "
                        + "net-batch8, ensemble, seed-hedge), e.g. 'ridge(forget=0.998)+linear'. Default: original, or the "
                        + "service config's. --rule and --hedge-rate apply after it.")
        String variant;

        @Option(names = "--engine", paramLabel = "fast|dl4j",
                description = "How the network is computed (not what). Default: fast, or the service config's.")
        String engine;

        @Option(names = "--rule", paramLabel = "seed-ema|hedge", description = "Agent weight rule. Default: seed-ema, or the service config's.")
        String rule;

        @Option(names = "--hedge-rate", paramLabel = "ETA", description = "Learning rate of the hedge rule (default 1.0, or the service config's).")
        Double hedgeRate;

        @Option(names = "--seed", paramLabel = "N", description = "Seed of initial parameters and dropout. Default: 42, or the service config's.")
        Long seed;

        /** @throws IllegalArgumentException naming the field ({@link LearnerFlags#usageError} turns it into the flag) */
        io.pim.metalearner.learn.LearnerConfig applyTo(io.pim.metalearner.learn.LearnerConfig base) {
            var c = base;
            if (variant != null) c = io.pim.metalearner.learn.LearnerSpec.parse(variant).applyTo(c);
            if (engine != null) c = c.withEngine(engine);
            if (rule != null) c = c.withRule(rule);
            if (hedgeRate != null) c = c.withHedgeRate(hedgeRate);
            if (seed != null) c = c.withSeed(seed);
            return c;
        }
    }
}
