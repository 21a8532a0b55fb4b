package io.pim.metalearner.cli;

import io.pim.metalearner.learn.LearnerConfig;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

import java.util.List;
import java.util.Map;

/** The learner's settings as the command line spells them (learn, simulate). */
public final class LearnerFlags {
    private static final Map<String, String> FLAG_OF_FIELD = Map.of("roster", "--agents", "engine", "--engine",
            "rule", "--rule", "hedgeRate", "--hedge-rate", "window", "--window", "model", "--spec", "spec", "--spec",
            "response", "--response");

    private LearnerFlags() {
    }

    /** {@code --agents} with each name trimmed ({@code "A, B"} is A and B); the default roster if not given. */
    public static List<String> roster(List<String> agents) {
        return agents == null ? LearnerConfig.DEFAULT_ROSTER : agents.stream().map(String::trim).toList();
    }

    /**
     * A {@link LearnerConfig} error as a usage error (exit 2) that names the flag: the config names
     * its field ({@code roster: ...}), the user typed {@code --agents}.
     */
    public static ParameterException usageError(CommandLine cli, IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        int colon = message.indexOf(':');
        String flag = colon < 0 ? null : FLAG_OF_FIELD.get(message.substring(0, colon));
        return new ParameterException(cli, flag == null ? message : flag + message.substring(colon));
    }
}
