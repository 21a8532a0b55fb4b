package io.pim.metalearner;

import io.pim.metalearner.testing.CliReference;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CliReferenceTest {
    private static final String WIDTH_PROPERTY = "picocli.usage.width";

    @Test
    void theCommittedReferenceIsWhatThePicocliDefinitionsGenerate() throws Exception {
        // given
        String committed = Files.readString(Path.of("docs/CLI.md"));

        // when
        String generated = CliReference.markdown(CliReference.documentedRoot());

        // then
        assertThat(committed)
                .as("docs/CLI.md is out of date; regenerate it from the repository's root:%n%s", CliReference.REGENERATE)
                .isEqualTo(generated);
    }

    @Test
    void everyCommandHasItsSectionWithItsOptions() {
        // given
        CommandLine root = CliReference.documentedRoot();
        Map<CommandLine, String> commands = new IdentityHashMap<>();
        collect(root, commands);

        // when
        String reference = CliReference.markdown(root);

        // then
        assertThat(commands).hasSizeGreaterThan(1);
        commands.forEach((command, name) -> {
            assertThat(reference).contains("\n## " + name + "\n");
            command.getCommandSpec().options().stream().filter(option -> !option.hidden())
                    .forEach(option -> assertThat(reference).contains(option.longestName()));
        });
    }

    @Test
    void theTextIsTheSameWhateverWidthPicocliIsToldToUse() {
        // when: picocli.usage.width is what a narrow, and then a wide, terminal would have it
        String narrow = generatedWithWidthProperty("60");
        String wide = generatedWithWidthProperty("200");

        // then
        assertThat(narrow).isEqualTo(wide);
    }

    private static String generatedWithWidthProperty(String width) {
        String before = System.setProperty(WIDTH_PROPERTY, width);
        try {
            String generated = CliReference.markdown(CliReference.documentedRoot());
            assertThat(System.getProperty(WIDTH_PROPERTY)).as("the property is restored").isEqualTo(width);
            return generated;
        } finally {
            if (before == null) System.clearProperty(WIDTH_PROPERTY);
            else System.setProperty(WIDTH_PROPERTY, before);
        }
    }

    private static void collect(CommandLine command, Map<CommandLine, String> into) {
        into.put(command, command.getCommandSpec().qualifiedName(" "));
        command.getSubcommands().values().forEach(sub -> collect(sub, into));
    }
}
