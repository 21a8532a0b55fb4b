package io.pim.metalearner.testing;

import io.pim.metalearner.tools.ToolsMain;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code bin/metalearner}'s command line in this JVM: its exit code and what it wrote to stderr. */
public record CommandRun(int exitCode, String err) {

    public static CommandRun run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = ToolsMain.commandLine();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new CommandRun(code, err.toString());
    }
}
