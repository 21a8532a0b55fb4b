package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.tools.embedded.EmbeddedRegistry;
import io.pim.metalearner.testing.KafkaExtension;
import io.pim.metalearner.testing.RegistryExtension;
import io.pim.metalearner.testing.ServiceProperties;
import io.pim.metalearner.testing.TestKafka;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client from another ecosystem: KafkaJS 2.2.4 with {@code @kafkajs/confluent-schema-registry}
 * 3.9.0 (src/test/node), speaking the Confluent wire format through Apicurio's ccompat API,
 * publishes trades the service trains on and decodes every {@code weights-updated} record. Needs
 * node and npm (skipped with a message without them); installs the pinned packages with
 * {@code npm ci} on first use.
 */
@ExtendWith({KafkaExtension.class, RegistryExtension.class})
class KafkaJsInteropIT {
    private static final Path NODE_DIR = Path.of("src/test/node");
    private static final int TRADES = 20;
    /** Hashes to partition 1 of 3, not the first: KafkaJS must partition as Kafka's Java producer does. */
    private static final String MODEL = "kafkajs-desk";
    private static final Duration NODE_RUN = Duration.ofSeconds(300);

    @Test
    void tradesPublishedByKafkaJsTrainTheServiceAndKafkaJsDecodesEveryWeightUpdate(TestKafka kafka, EmbeddedRegistry registry)
            throws Exception {
        assumeNodeModules();
        // given the service on the shared broker and registry, topics of its own, inputs keyed by model over 3 partitions
        Properties settings = ServiceProperties.isolated("kafkajs", kafka, registry.apiUrl(), Files.createTempDirectory("kafkajs-"));
        settings.setProperty("input.keying", "model-id");
        settings.setProperty("training.partitions", "3");
        ServiceConfig config = ServiceProperties.config(settings);
        try (LearningService service = new LearningService(config)) {
            ServiceProperties.run(kafka, service, config);

            // when KafkaJS publishes TRADES decisions (votes and close, keyed by their model) and reads weights-updated
            Result run = run(List.of("node", "interop.mjs"), Map.of(
                    "BOOTSTRAP", kafka.bootstrapServers(),
                    "CCOMPAT_URL", registry.ccompatUrl(),
                    "SCHEMAS_DIR", Path.of("schemas").toAbsolutePath().toString(),
                    "VOTES_TOPIC", config.topics().decisionVotes(),
                    "TRADES_TOPIC", config.topics().tradeClosed(),
                    "WEIGHTS_TOPIC", config.topics().weightsUpdated(),
                    "TRADES", Integer.toString(TRADES),
                    "MODEL_ID", MODEL,
                    "TIMEOUT_MS", Long.toString(NODE_RUN.minusSeconds(60).toMillis())));

            // then every decision trained once, steps 1..TRADES, and KafkaJS decoded each update
            assertThat(run.exit()).as(run.output()).isZero();
            JsonNode summary = new ObjectMapper().readTree(lastLine(run.output()));
            assertThat(summary.get("decoded").asInt()).as(run.output()).isEqualTo(TRADES);
            assertThat(summary.get("steps")).extracting(JsonNode::asInt)
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, TRADES).boxed().toList());
            // and the weights are the seed's rule applied TRADES times: LONG at 0.85 on +5 %,
            // u = 1 + 0.85·0.05·5, w ← 0.1·u + 0.9·w from 1, so w = u + (1 − u)·0.9^n
            double u = 1 + 0.85 * 0.05 * 5;
            assertThat(summary.at("/lastWeights/TradingAgent").asDouble())
                    .isCloseTo(u + (1 - u) * Math.pow(0.9, TRADES), Offset.offset(1e-9));
        }
    }

    private record Result(int exit, String output) {
    }

    /** Skips, saying why, without node/npm; installs the pinned packages (package-lock.json) once. */
    private static void assumeNodeModules() throws Exception {
        Assumptions.assumeTrue(available("node") && available("npm"),
                "node and npm are not installed: the KafkaJS interoperability test needs them (Node 20+)");
        if (Files.isDirectory(NODE_DIR.resolve("node_modules/kafkajs"))) return;
        Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of());
        Assumptions.assumeTrue(install.exit() == 0,
                "npm ci could not install KafkaJS in src/test/node (no registry access?):\n" + install.output());
    }

    private static boolean available(String command) {
        try {
            return run(List.of(command, "--version"), Map.of()).exit() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(NODE_DIR.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        // read while it runs (a full pipe would block it), then wait for the exit code
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(NODE_RUN.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, output + "\n(timed out)");
        }
        return new Result(p.exitValue(), output);
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1];
    }
}
