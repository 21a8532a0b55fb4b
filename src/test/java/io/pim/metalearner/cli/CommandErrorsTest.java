package io.pim.metalearner.cli;

import io.pim.metalearner.testing.CommandRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CommandErrorsTest {

    @Test
    void anUnwritableOutputIsNamedInWordsNotAsAJavaException(@TempDir Path dir) throws IOException {
        // given
        Path trades = dir.resolve("t.jsonl");
        assertThat(CommandRun.run("simulate", "--trades", "20", "--out", trades.toString()).exitCode()).isZero();
        Path out = dir.resolve("no-such-folder").resolve("out.jsonl");

        // when
        CommandRun run = CommandRun.run("learn", "--input", trades.toString(), "--out", out.toString());

        // then
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("metalearner learn: no such file: " + out).doesNotContain("java.");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void everyFailureIsDescribedByWhatItSays() {
        assertThat(Main.describe(new NoSuchFileException("/a/b"))).isEqualTo("no such file: /a/b");
        assertThat(Main.describe(new UncheckedIOException(new AccessDeniedException("/etc/x")))).isEqualTo("permission denied: /etc/x");
        assertThat(Main.describe(new IllegalStateException("the service is not running"))).isEqualTo("the service is not running");
        assertThat(Main.describe(new NullPointerException())).isEqualTo("unexpected NullPointerException");
    }
}
