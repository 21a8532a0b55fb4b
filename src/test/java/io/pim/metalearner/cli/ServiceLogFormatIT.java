package io.pim.metalearner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code run} and {@code writer} log as services: text lines by default, one JSON object per line
 * with {@code --log-format json} or {@code METALEARNER_LOG_FORMAT=json}. Each starts as its own
 * process with the production logback.xml, pointed at a broker that is not there: what it logs
 * while starting is enough, and the test stops it then.
 */
class ServiceLogFormatIT {
    private static final JsonMapper MAPPER = new JsonMapper();
    /** Generous: a JVM start and the first log lines on a busy two-core machine. */
    private static final Duration PATIENCE = Duration.ofMinutes(3);

    @Test
    void runWithJsonFormatLogsOneJsonObjectPerLine(@TempDir Path dir) throws Exception {
        // given a service config whose broker does not answer
        Path config = serviceConfig(dir);

        // when run starts with --log-format json, until it has logged its topology
        List<String> lines = stderrOf(List.of("run", "--log-format", "json", "--config", config.toString()), Map.of(),
                line -> line.contains("Topologies"));

        // then every line is a JSON object with the service's fields, the multi-line topology included
        List<JsonNode> events = parseAll(lines);
        assertThat(events).allSatisfy(event -> assertThat(event.fieldNames()).toIterable()
                .contains("timestamp", "level", "threadName", "loggerName", "formattedMessage"));
        assertThat(events).anySatisfy(event -> {
            assertThat(event.get("loggerName").asText()).isEqualTo("io.pim.metalearner.stream.LearningService");
            assertThat(event.get("level").asText()).isEqualTo("INFO");
            assertThat(event.get("formattedMessage").asText()).contains("Topologies", "Sub-topology: 0");
        });
    }

    @Test
    void writerTakesTheJsonFormatFromTheEnvironment(@TempDir Path dir) throws Exception {
        // given a writer config whose broker and database do not answer
        Path config = dir.resolve("writer.properties");
        Files.writeString(config, """
                bootstrap.servers=127.0.0.1:1
                registry.url=http://127.0.0.1:1/apis/registry/v3
                jdbc.url=jdbc:postgresql://127.0.0.1:1/postgres
                jdbc.user=postgres
                jdbc.password=postgres
                """);

        // when the writer starts with METALEARNER_LOG_FORMAT=json, until it says it started
        List<String> lines = stderrOf(List.of("writer", "--config", config.toString()),
                Map.of("METALEARNER_LOG_FORMAT", "json"), line -> line.contains("JDBI writer started"));

        // then its lines are JSON objects
        assertThat(parseAll(lines)).anySatisfy(event -> {
            assertThat(event.get("loggerName").asText()).isEqualTo("io.pim.metalearner.sink.JdbiWriter");
            assertThat(event.get("formattedMessage").asText()).startsWith("JDBI writer started");
        });
    }

    @Test
    void runLogsTextLinesByDefault(@TempDir Path dir) throws Exception {
        // given
        Path config = serviceConfig(dir);

        // when run starts with no format given (and none in the environment)
        List<String> lines = stderrOf(List.of("run", "--config", config.toString()), Map.of(),
                line -> line.contains("LearningService"));

        // then: timestamp with date and zone, level, [thread], logger - message
        assertThat(lines).anySatisfy(line -> assertThat(line).matches(
                "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO  \\[main] "
                        + "i\\.p\\.m\\.stream\\.LearningService - topology:"));
    }

    private static Path serviceConfig(Path dir) throws IOException {
        Path config = dir.resolve("service.properties");
        Files.writeString(config, """
                bootstrap.servers=127.0.0.1:1
                registry.url=http://127.0.0.1:1/apis/registry/v3
                http.port=0
                state.dir=%s
                """.formatted(dir.resolve("state").toString().replace("\\", "/")));
        return config;
    }

    private static List<JsonNode> parseAll(List<String> lines) throws IOException {
        assertThat(lines).isNotEmpty();
        List<JsonNode> events = new ArrayList<>();
        for (String line : lines) {
            JsonNode event = MAPPER.readTree(line);
            assertThat(event.isObject()).as(line).isTrue();
            events.add(event);
        }
        return events;
    }

    /**
     * Starts {@code bin/metalearner}'s main class with this test's classpath and the production
     * logback.xml, collects its stderr lines until one matches {@code until}, then stops it.
     */
    private static List<String> stderrOf(List<String> args, Map<String, String> env, Predicate<String> until)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dlogback.configurationFile=logback.xml",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().remove("METALEARNER_LOG_FORMAT");
        builder.environment().putAll(env);
        Process process = builder.start();
        BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader err = process.errorReader()) {
                for (String line; (line = err.readLine()) != null; ) queue.add(line);
            } catch (IOException stopped) {
                // the process was stopped
            }
        }, "stderr-of-" + args.get(0));
        reader.setDaemon(true);
        reader.start();
        List<String> lines = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (System.nanoTime() < deadline) {
                String line = queue.poll(1, TimeUnit.SECONDS);
                if (line == null) {
                    if (!process.isAlive() && queue.isEmpty()) break;
                    continue;
                }
                lines.add(line);
                if (until.test(line)) return lines;
            }
            throw new AssertionError("the expected line did not come within " + PATIENCE.toSeconds()
                    + " s (exited: " + !process.isAlive() + "); stderr so far:\n" + String.join("\n", lines));
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }
}
