package io.pim.metalearner.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.pim.metalearner.testing.DeployFiles.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image's properties, read from the Dockerfile, docker-compose.yml and the pom (no Docker
 * engine here to build it): layers, what is in it and what is not, pinned bases, the SBOM.
 */
class DockerfileTest {
    /** The Dockerfile as instructions (continuation lines joined, comments dropped), one list per stage. */
    private static List<List<String>> stages() throws IOException {
        List<List<String>> stages = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String raw : Files.readAllLines(ROOT.resolve("Dockerfile"))) {
            String l = raw.strip();
            if (l.startsWith("#") || (l.isEmpty() && line.length() == 0)) continue;
            if (l.endsWith("\\")) {
                line.append(l, 0, l.length() - 1).append(' ');
                continue;
            }
            String instruction = line.append(l).toString().strip();
            line.setLength(0);
            if (instruction.isEmpty()) continue;
            if (instruction.startsWith("FROM ")) stages.add(new ArrayList<>());
            stages.get(stages.size() - 1).add(instruction);
        }
        return stages;
    }

    @Test
    void theRuntimeImageHasTheDependenciesAndTheApplicationInLayersOfTheirOwn() throws Exception {
        List<String> runtime = stages().get(stages().size() - 1);
        List<String> copies = runtime.stream().filter(i -> i.startsWith("COPY --from=build")).toList();
        // then the dependencies come first, alone, and the application (jar and SBOM) after them
        assertThat(copies).hasSize(2);
        assertThat(copies.get(0)).endsWith("/out/lib/ /opt/metalearner/lib/");
        assertThat(copies.get(1)).contains("/out/app/");
        List<String> build = stages().get(0);
        String packaging = build.stream().filter(i -> i.contains("package")).findFirst().orElseThrow();
        assertThat(packaging).contains("cp target/metalearner.jar target/bom.json /out/app/").contains("cp target/lib/*.jar /out/lib/");
    }

    @Test
    void theImageIsBuiltFromTheProductsSourcesOnlyWithoutTheTestClassPath() throws Exception {
        List<String> build = stages().get(0);
        // then the build stage sees src/main, not the tests or the tools, and resolves no test scope
        assertThat(build.stream().filter(i -> i.startsWith("COPY ") && i.contains("src/")))
                .containsExactly("COPY src/main/ src/main/");
        assertThat(String.join("\n", build)).contains("-Dmaven.test.skip=true").doesNotContain("apicurio-registry-app");
    }

    @Test
    void theRuntimeImageInstallsNoHttpClientAndNoHealthcheckNeedsOne() throws Exception {
        List<String> runtime = stages().get(stages().size() - 1);
        // then nothing is installed in it...
        assertThat(runtime).noneMatch(i -> i.startsWith("RUN") && (i.contains("apt-get install") || i.matches(".*\\b(curl|jq)\\b.*")));
        // ...and every Compose service of the image probes with what the image has
        Map<String, Object> services = map(compose().get("services"));
        services.forEach((name, s) -> {
            if (!String.valueOf(map(s).get("image")).startsWith(IMAGE + ":")) return;
            assertThat(String.join(" ", strings(at(s, "healthcheck", "test")))).as(name).doesNotContain("curl", "wget", "jq");
            assertThat(strings(map(s).get("entrypoint"))).as(name + " entrypoint").noneMatch(e -> e.contains("register.sh"));
        });
    }

    @Test
    void everyBaseImageIsAPinnedReleaseAndTheBuildWritesAnSbom() throws Exception {
        for (List<String> stage : stages()) {
            String image = stage.get(0).split("\\s+")[1];
            // then a version tag (digits), never a moving one
            assertThat(image).as(stage.get(0)).matches("[^:]+:\\d[\\w.-]*(@sha256:[0-9a-f]{64})?");
        }
        // and the pom's CycloneDX plugin, pinned, writes target/bom.json at package, runtime scope only
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        assertThat(pom).containsPattern("<artifactId>cyclonedx-maven-plugin</artifactId>\\s*<version>\\d[\\d.]*</version>")
                .contains("<goal>makeBom</goal>").contains("<outputName>bom</outputName>")
                .contains("<includeTestScope>false</includeTestScope>");
    }
}
