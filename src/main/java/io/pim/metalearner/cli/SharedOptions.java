package io.pim.metalearner.cli;

import io.pim.metalearner.offline.Utf8Lines;
import io.pim.metalearner.stream.LearningTopology;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.regime.RegimeResponse;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Picocli mixins for the flags several subcommands share, so each is declared and described once. */
public final class SharedOptions {
    private SharedOptions() {
    }

    /** {@code --config FILE} of a process that needs one (run, writer, migrate). */
    public static final class ConfigFileOption {
        @Option(names = "--config", required = true, paramLabel = "FILE",
                description = "Properties file (every key is in docs/CONFIG.md); METALEARNER_<KEY> environment "
                        + "variables override it, e.g. METALEARNER_BOOTSTRAP_SERVERS.")
        public Path file;
    }

    /** {@code --model-id M} of the commands that act on one model. */
    static final class ModelOption {
        @Option(names = {"--model-id", "--model"}, paramLabel = "M", description = "The model; default the config's model.default-id (default).")
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

        @Option(names = "--response", split = ",", paramLabel = "ACTIONS",
                description = "Regime response when the loss drifts (the loss-drift alert's detector): none, reset-moments, "
                        + "boost, or reset-moments,boost. Default: none, or the service config's (regime.response).")
        List<String> response;

        @Option(names = "--boost-factor", paramLabel = "F", description = "Learning-rate factor of the boost response (default 3).")
        Double boostFactor;

        @Option(names = "--boost-steps", paramLabel = "K", description = "Steps the boost response lasts (default 200).")
        Integer boostSteps;

        @Option(names = "--drift-delta", paramLabel = "D",
                description = "The response's drift detector: Page-Hinkley tolerated change of the mean loss per step "
                        + "(default 0.001, or the service config's alert.drift.delta).")
        Double driftDelta;

        @Option(names = "--drift-threshold", paramLabel = "LAMBDA",
                description = "The response's drift detector: Page-Hinkley threshold (default 0.05, or the service config's "
                        + "alert.drift.threshold).")
        Double driftThreshold;

        /** {@link #applyTo(LearnerConfig)}, a bad value reported as a usage error that names its flag. */
        LearnerConfig applyTo(LearnerConfig base, CommandLine cli) {
            try {
                return applyTo(base);
            } catch (IllegalArgumentException e) {
                throw LearnerFlags.usageError(cli, e);
            }
        }

        /** @throws IllegalArgumentException naming the field ({@link LearnerFlags#usageError} turns it into the flag) */
        LearnerConfig applyTo(LearnerConfig base) {
            var c = base;
            // a variant is its own recipe: it has a regime response only when --response gives one
            if (variant != null) c = LearnerSpec.parse(variant).applyTo(c);
            if (engine != null) c = c.withEngine(engine);
            if (rule != null) c = c.withRule(rule);
            if (hedgeRate != null) c = c.withHedgeRate(hedgeRate);
            if (seed != null) c = c.withSeed(seed);
            if (response != null || boostFactor != null || boostSteps != null || driftDelta != null || driftThreshold != null) {
                c = c.withResponse(response(c.response()));
            }
            return c;
        }

        /** The flags over {@code base}'s response: a flag left out keeps its value, or the default. */
        private RegimeResponse response(RegimeResponse base) {
            var actions = response != null ? response : List.of(base.actions().split(","));
            boolean baseBoosts = base.boostSteps() > 0;
            var d = base.drift();
            var drift = new RegimeResponse.Drift(driftDelta != null ? driftDelta : d.delta(),
                    driftThreshold != null ? driftThreshold : d.threshold(), d.alpha(), d.minInstances(), d.clearSteps());
            var r = RegimeResponse.of(actions,
                    boostFactor != null ? boostFactor : baseBoosts ? base.boostFactor() : RegimeResponse.DEFAULT_BOOST_FACTOR,
                    boostSteps != null ? boostSteps : baseBoosts ? base.boostSteps() : RegimeResponse.DEFAULT_BOOST_STEPS,
                    drift);
            if ((boostFactor != null || boostSteps != null) && r.boostSteps() == 0) {
                throw new IllegalArgumentException("response: --boost-factor and --boost-steps need the boost action (--response boost)");
            }
            if ((driftDelta != null || driftThreshold != null) && r.isNone()) {
                throw new IllegalArgumentException("response: --drift-delta and --drift-threshold tune the response's detector; "
                        + "give --response too");
            }
            return r;
        }
    }

    /** {@code --input FILE.jsonl} of the offline commands (learn, evaluate). */
    public static final class TradesInput {
        @Option(names = "--input", required = true, paramLabel = "FILE.jsonl", description = "Trades; '-' reads stdin.")
        String input;

        Utf8Lines open() throws IOException {
            if (input.equals("-")) return new Utf8Lines(System.in);
            Path path = Path.of(input);
            if (Files.isDirectory(path)) throw new IOException("is a directory");
            return new Utf8Lines(Files.newInputStream(path));
        }

        /** The input, or null after telling {@code err} why it cannot be read (the command then exits 1). */
        Utf8Lines openOrSay(String command, java.io.PrintWriter err) {
            try {
                return open();
            } catch (IOException e) {
                err.printf("metalearner %s: cannot read --input %s: %s%n", command, input, describe(e));
                err.flush();
                return null;
            }
        }

        /** Writing would truncate the input before it is read: refuse, whatever the two paths look like. */
        void refuseToOverwrite(CommandLine cli, String option, Path target) {
            if (target == null || input.equals("-")) return;
            Path source = Path.of(input);
            boolean same;
            try {
                same = Files.exists(source) && Files.exists(target) && Files.isSameFile(source, target);
            } catch (IOException e) {
                same = false; // then opening one of them fails, and says why
            }
            if (same) {
                throw new ParameterException(cli, option + " " + target + " is the input file ("
                        + input + "); writing it would destroy the trades before they are read");
            }
        }

        /** What the user needs to know, not the exception's class name. */
        public static String describe(IOException e) {
            if (e instanceof NoSuchFileException) return "no such file";
            if (e instanceof AccessDeniedException) return "permission denied";
            return e.getMessage();
        }
    }

    /** The flags of a fresh offline learner (learn, evaluate): roster, engine, rule, seed, window. */
    static final class OfflineLearner {
        @Option(names = "--agents", split = ",", paramLabel = "A,B,...", description = "Roster in feature order (default: the seed's nine agents).")
        List<String> agents;

        @Mixin
        LearnerChoice choice;

        @Option(names = "--window", defaultValue = "50", paramLabel = "TRADES", description = "Rolling metric window. Default ${DEFAULT-VALUE}.")
        int window;

        /** A fresh learner; a bad flag is a usage error (exit 2) naming the flag. */
        Learner create(CommandLine cli) {
            try {
                return Learner.create(choice.applyTo(LearnerConfig.defaults().withRoster(LearnerFlags.roster(agents)).withWindow(window)));
            } catch (IllegalArgumentException e) {
                throw LearnerFlags.usageError(cli, e);
            }
        }
    }
}
