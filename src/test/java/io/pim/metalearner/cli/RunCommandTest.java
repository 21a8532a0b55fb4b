package io.pim.metalearner.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code run} refuses a bad configuration before touching Kafka, saying what is wrong. */
class RunCommandTest {

    @Test
    void aMissingConfigFileIsNamed(@TempDir Path dir) {
        // when
        var run = io.pim.metalearner.testing.CommandRun.run("run", "--config", dir.resolve("nope.properties").toString());

        // then
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("cannot read config file").contains("nope.properties");
    }

    @Test
    void aBadValueFailsNamingTheKeyAndItsAllowedValues(@TempDir Path dir) throws Exception {
        // given
        Path file = dir.resolve("service.properties");
        Files.writeString(file, """
                bootstrap.servers=localhost:9092
                registry.url=http://localhost:8080/apis/registry/v3
                engine=gpu
                """);

        // when
        var run = io.pim.metalearner.testing.CommandRun.run("run", "--config", file.toString());

        // then
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("engine").contains("fast, dl4j");
    }

    @Test
    void aTooShortAdminTokenFailsTheStartWithoutShowingTheToken(@TempDir Path dir) throws Exception {
        // given
        Path file = dir.resolve("service.properties");
        Files.writeString(file, """
                bootstrap.servers=localhost:9092
                registry.url=http://localhost:8080/apis/registry/v3
                http.admin-token=hunter2-secret
                """);

        // when
        var run = io.pim.metalearner.testing.CommandRun.run("run", "--config", file.toString());

        // then
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("http.admin-token").contains("16").doesNotContain("hunter2-secret");
    }
}
