package io.pim.metalearner.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;

import static io.pim.metalearner.testing.DeployFiles.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

class VersionAndExitCodesTest {

    @Test
    void versionSaysItIsADevelopmentBuildWhenRunFromClassesNotAHardCodedNumber() {
        // given the tests run from target/classes: no jar, so no manifest with a version
        assertThat(Main.class.getPackage().getImplementationVersion()).isNull();
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine().setOut(new PrintWriter(out));

        // when
        int code = cli.execute("--version");

        // then
        assertThat(code).isZero();
        assertThat(out.toString().trim()).isEqualTo("metalearner (development build, not run from its jar)");
    }

    @Test
    void theJarsManifestCarriesThePomsVersionForVersionToPrint() throws Exception {
        // then the jar plugin writes Implementation-Version (the pom's version) into the manifest
        assertThat(Files.readString(ROOT.resolve("pom.xml")))
                .contains("<addDefaultImplementationEntries>true</addDefaultImplementationEntries>");
        assertThat(VersionProvider.describe("0.1.0-SNAPSHOT")).isEqualTo("metalearner 0.1.0-SNAPSHOT");
    }

    @Test
    void aCommandTheServiceDoesNotAnswerInTimeExitsWith3NotTheUsageErrorsCode() {
        // given a command that waits for the service in vain, as CommandClient.send does
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine(new WaitsInVain()).setErr(new PrintWriter(err));

        // when
        int code = cli.execute("waits-in-vain");

        // then its own exit code, and the message without a Java class name
        assertThat(code).isEqualTo(3);
        assertThat(err.toString()).contains("no result for command c1 within PT1S").doesNotContain("java.util.concurrent");
        // and a usage error is still 2
        assertThat(Main.commandLine().setErr(new PrintWriter(new StringWriter())).execute("reset", "--no-such-flag")).isEqualTo(2);
    }

    @Test
    void theHelpOfEveryCommandThatWaitsForTheServiceListsTheExitCodes() {
        for (String name : List.of("reset", "rollback", "promote", "import", "replay", "pretrain")) {
            String usage = Main.commandLine().getSubcommands().get(name).getUsageMessage();
            assertThat(usage).as(name).contains("Exit codes:").containsPattern("(?m)^ +2 +usage error")
                    .containsPattern("(?m)^ +3 +the service did not answer");
        }
    }

    @Command(name = "waits-in-vain")
    static final class WaitsInVain implements Callable<Integer> {
        @Override
        public Integer call() throws TimeoutException {
            throw new TimeoutException("no result for command c1 within PT1S");
        }
    }
}
