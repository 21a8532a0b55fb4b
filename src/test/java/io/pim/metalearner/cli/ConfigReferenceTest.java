package io.pim.metalearner.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigReferenceTest {

    @Test
    void theCommittedReferenceIsWhatTheDefinitionsGenerate() throws Exception {
        // given
        String committed = Files.readString(Path.of("docs/CONFIG.md"));

        // when
        String generated = ConfigReference.markdown();

        // then
        assertThat(committed)
                .as("docs/CONFIG.md is out of date: run bin/metalearner config-reference > docs/CONFIG.md")
                .isEqualTo(generated);
    }

    @Test
    void everyKeyOfBothRolesIsDocumentedWithItsEnvironmentVariable() {
        String reference = ConfigReference.markdown();

        for (String key : io.pim.metalearner.config.ServiceConfig.DEFINITION.names()) {
            assertThat(reference).contains("| `" + key + "` |");
        }
        for (String key : io.pim.metalearner.sink.WriterConfig.DEFINITION.names()) {
            assertThat(reference).contains("| `" + key + "` |");
        }
        assertThat(reference).contains("`METALEARNER_HTTP_ADMIN_TOKEN`").contains("`METALEARNER_JDBC_PASSWORD`");
    }
}
