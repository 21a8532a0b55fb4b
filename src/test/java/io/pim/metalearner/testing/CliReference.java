package io.pim.metalearner.testing;

import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * docs/CLI.md: the usage help of every command under a root, as picocli prints it, one section per
 * command. Generated, so the page and the options cannot drift; {@code CliReferenceTest} fails when the
 * committed page differs from what {@link #main} prints. The text does not depend on the terminal: the
 * width is fixed and picocli's own width property is set aside while it is generated.
 */
public final class CliReference {
    /** Columns of the usage help, whatever the terminal or {@code picocli.usage.width} say. */
    static final int WIDTH = 100;
    /** The system property with which picocli overrides any width set in code. */
    private static final String WIDTH_PROPERTY = "picocli.usage.width";
    public static final String REGENERATE = """
            ./mvnw -B -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
            java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) io.pim.metalearner.testing.CliReference > docs/CLI.md""";

    private CliReference() {
    }

    /** The command line docs/CLI.md documents: the one place to change when the executable's root moves. */
    public static CommandLine documentedRoot() {
        return io.pim.metalearner.tools.ToolsMain.commandLine(); // what bin/metalearner runs
    }

    public static void main(String[] args) {
        System.out.print(markdown(documentedRoot()));
        System.out.flush();
    }

    /**
     * The reference of {@code root} and all its subcommands, depth first, each level sorted by name (so a
     * command moved between roots moves no other section). Sets each command's usage width to {@link #WIDTH}.
     */
    public static String markdown(CommandLine root) {
        List<CommandLine> commands = new ArrayList<>();
        collect(root, commands);
        String property = System.clearProperty(WIDTH_PROPERTY);
        try {
            StringBuilder md = new StringBuilder();
            md.append("# CLI reference\n\n")
                    .append("The usage help of every `").append(root.getCommandName()).append("` command, as `--help` prints it, ")
                    .append("generated from the picocli\n")
                    .append("definitions by `io.pim.metalearner.testing.CliReference` (a test fails when this page is out of date).\n")
                    .append("To regenerate it, from the repository's root:\n\n")
                    .append("```sh\n").append(REGENERATE).append("\n```\n\n");
            for (CommandLine command : commands) {
                md.append("- [").append(fullName(command)).append("](#").append(anchor(command)).append(")\n");
            }
            for (CommandLine command : commands) {
                command.setUsageHelpAutoWidth(false);
                command.setUsageHelpWidth(WIDTH);
                String usage = command.getUsageMessage(Ansi.OFF).stripTrailing();
                md.append("\n## ").append(fullName(command)).append("\n\n")
                        .append("```text\n").append(trimLineEnds(usage)).append("\n```\n");
            }
            return md.toString();
        } finally {
            if (property != null) System.setProperty(WIDTH_PROPERTY, property);
        }
    }

    /** Pre-order; an alias maps to the same command as its name, so each command is taken once. */
    private static void collect(CommandLine command, List<CommandLine> into) {
        into.add(command);
        Map<CommandLine, Boolean> seen = new IdentityHashMap<>();
        command.getSubcommands().values().stream()
                .filter(sub -> seen.put(sub, Boolean.TRUE) == null)
                .sorted(Comparator.comparing(CommandLine::getCommandName))
                .forEach(sub -> collect(sub, into));
    }

    private static String fullName(CommandLine command) {
        return command.getCommandSpec().qualifiedName(" ");
    }

    /** The id GitHub gives the heading: lower case, spaces as dashes. */
    private static String anchor(CommandLine command) {
        return fullName(command).toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
    }

    /** picocli pads some lines with spaces; a committed page keeps none. */
    private static String trimLineEnds(String text) {
        return text.replaceAll("(?m)[ \t]+$", "");
    }
}
