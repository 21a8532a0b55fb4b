package io.pim.metalearner.tools;

import io.pim.metalearner.cli.Main;
import io.pim.metalearner.tools.demo.DemoCommand;
import io.pim.metalearner.tools.harness.FuzzCommand;
import io.pim.metalearner.tools.simulate.SimulateCommand;
import picocli.CommandLine;

/**
 * What {@code bin/metalearner} runs: the product's commands ({@link Main}) and the tools that only a
 * developer's machine has (the embedded demo, the trade simulator, fuzz). The image runs {@link Main}.
 */
public final class ToolsMain {
    private ToolsMain() {
    }

    public static CommandLine commandLine() {
        return Main.commandLine(new DemoCommand(), new SimulateCommand(), new FuzzCommand());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
