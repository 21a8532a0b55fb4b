package io.pim.metalearner.tools.simulate;

import io.pim.metalearner.tools.ToolsMain;
import io.pim.metalearner.tools.demo.OutcomeWatcher;
import io.pim.metalearner.tools.embedded.EmbeddedStack;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pim.metalearner.kafka.KafkaClients;
import io.pim.metalearner.config.ServiceConfig;
import io.pim.metalearner.kafka.Topics;
import io.pim.metalearner.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two cluster commands of the broker side and of ops, against the embedded stack: the
 * product's own {@link EmbeddedStack} (broker, registry, service) is part of what is under test
 * here, so this class starts it rather than the shared test broker and registry.
 */
class SimulateAndReplayIT {
    private static EmbeddedStack stack;

    @BeforeAll
    static void startStack() throws Exception {
        stack = new EmbeddedStack();
        stack.start(new Properties());
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) stack.close();
    }

    @Test
    void simulatedStreamIsTrainedAndReplayReproducesTheLiveFingerprint() throws Exception {
        ServiceConfig config = stack.config();
        try (OutcomeWatcher watcher = new OutcomeWatcher(new KafkaClients(config), Topics.of(config), u -> { })) {
            // when 120 simulated trades are published to the cluster, closes 5 trades behind their votes
            Run simulate = run("simulate", "--trades", "120", "--seed", "3", "--close-lag", "5",
                    "--bootstrap-servers", config.bootstrapServers(), "--registry-url", config.registryUrl());
            assertThat(simulate.exit).as(simulate.err).isZero();

            // then the service trains every one of them
            Await.until(() -> "120 closes resolved; so far " + watcher.snapshot(), Duration.ofSeconds(180),
                    () -> watcher.snapshot().closesResolved() >= 120);
            OutcomeWatcher.Snapshot outcome = watcher.snapshot();
            assertThat(outcome.trained()).isEqualTo(120);
            assertThat(outcome.deadLettered()).isEmpty();

            // and a replay of the training topic ends in the live learner's state
            Run replay = run("replay", "--model-id", "default",
                    "--bootstrap-servers", config.bootstrapServers(), "--registry-url", config.registryUrl());
            assertThat(replay.exit).as(replay.err).isZero();
            JsonNode line = JsonMapper.builder().build().readTree(replay.out.strip());
            assertThat(line.get("records").asLong()).isEqualTo(120);
            assertThat(line.get("skipped").asLong()).isZero();
            assertThat(line.get("training_step").asLong()).isEqualTo(120);
            assertThat(line.get("fingerprint").asText()).isEqualTo(outcome.last().getFingerprint());
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cli = ToolsMain.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
