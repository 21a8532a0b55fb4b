package io.pim.metalearner.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The product's executable (the image's entry point); each job is a subcommand. {@code bin/metalearner}
 * runs {@code tools.ToolsMain}, which adds the demo, the simulator and fuzz to these.
 */
@Command(name = "metalearner", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Meta-learner of a trading committee.",
        subcommands = {LearnCommand.class, EvaluateCommand.class, RunCommand.class, WriterCommand.class,
                MigrateCommand.class, CreateTopicsCommand.class, ReplayCommand.class, ModelCommands.Export.class, ModelCommands.Import.class,
                ModelCommands.Reset.class, ModelCommands.Rollback.class, ModelCommands.Promote.class,
                ModelCommands.Compare.class, PretrainCommand.class, ConfigReference.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code of a command the service did not answer within its {@code --timeout} (2 is a usage error). */
    public static final int EXIT_NO_ANSWER = 3;
    static final String EXIT_CODES_HEADING = "%nExit codes:%n";
    static final String EXIT_USAGE = "2:usage error: a bad option or value";
    static final String EXIT_NO_ANSWER_TEXT = "3:the service did not answer within --timeout; the command stays on "
            + "the commands topic and applies when the service runs";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a subcommand");
    }

    /** The command line with its error handling, shared by {@link #main} and in-process tests. */
    public static CommandLine commandLine() {
        return commandLine(new Object[0]);
    }

    /**
     * The command line with more subcommands (the tools' launcher adds its own), added before the
     * converters and the error handling so that they reach those too.
     */
    public static CommandLine commandLine(Object... moreSubcommands) {
        var cli = new CommandLine(new Main());
        for (Object command : moreSubcommands) cli.addSubcommand(command);
        // durations are written one way in flags and config files alike
        cli.registerConverter(java.time.Duration.class, io.pim.metalearner.config.Durations::parse);
        // A failing run (missing file, unwritable output) is a message and exit code 1, not a stack
        // trace; a service that did not answer in time has a code of its own (a retry may do).
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            boolean noAnswer = e instanceof java.util.concurrent.TimeoutException;
            cmd.getErr().println("metalearner " + cmd.getCommandName() + ": " + describe(e));
            cmd.getErr().flush();
            return noAnswer ? EXIT_NO_ANSWER : 1;
        });
        return cli;
    }

    /**
     * What went wrong, in the user's words: the file a file-system error names, or the exception's
     * message; a Java class name only for an error that carries no message at all.
     */
    static String describe(Throwable e) {
        if (e instanceof java.io.UncheckedIOException && e.getCause() != null) e = e.getCause();
        if (e instanceof java.nio.file.NoSuchFileException f) return "no such file: " + f.getFile();
        if (e instanceof java.nio.file.AccessDeniedException f) return "permission denied: " + f.getFile();
        if (e instanceof java.nio.file.FileAlreadyExistsException f) return "already exists: " + f.getFile();
        if (e instanceof java.nio.file.FileSystemException f) {
            return f.getFile() + ": " + (f.getReason() == null ? "file-system error" : f.getReason());
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? "unexpected " + e.getClass().getSimpleName() : message;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
