package io.pim.metalearner.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class LoggingTest {

    @Test
    void javaUtilLoggingFollowsTheSameRulesAsEverythingElse(@TempDir Path dir) throws Exception {
        // given: everything logged goes to a file, as the demo does
        Path file = dir.resolve("demo.log");
        try (AutoCloseable ignored = Logging.toFile(file)) {
            // when: a library that logs through java.util.logging (Apicurio's client does) warns
            java.util.logging.Logger.getLogger("io.apicurio.example").warning("registry answered 503");
        }

        // then: the record is in the same file, through SLF4J, with its level and logger
        assertThat(Files.readString(file)).contains("WARN").contains("io.apicurio.example").contains("registry answered 503");
    }
}
