package io.pim.metalearner.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands as a user runs them, in-process. */
class LearnCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TRADES = 1500;

    @TempDir
    static Path dir;
    static Path trades;

    /** Runs the executable's command line; returns its exit code and stderr. */
    record Run(int exitCode, String err) {
    }

    static Run run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, err.toString());
    }

    @BeforeAll
    static void simulateAndSpoilAFewLines() throws Exception {
        Path clean = dir.resolve("clean.jsonl");
        assertThat(run("simulate", "--trades", String.valueOf(TRADES), "--seed", "5", "--out", clean.toString()).exitCode())
                .isZero();
        List<String> lines = new ArrayList<>(Files.readAllLines(clean));
        lines.add(3, "this is not json");                                     // line 4
        lines.add(10, lines.get(0));                                           // line 11: repeats line 1
        lines.add(20, lines.get(20).replaceFirst("\"confidence\":[0-9.]+", "\"confidence\":1.7")); // line 21
        lines.add(30, "");                                                     // blank: skipped, not a trade
        trades = dir.resolve("trades.jsonl");
        Files.write(trades, lines);
    }

    @Test
    void learnWritesOneLinePerTrainedTradeAndASummary() throws Exception {
        // given
        Path out = dir.resolve("out.jsonl"), summary = dir.resolve("summary.json");
        // when
        Run r = run("learn", "--input", trades.toString(), "--out", out.toString(), "--summary", summary.toString());
        // then
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(TRADES);
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(fieldNames(first)).containsExactly(
                "training_step", "decision_id", "predicted_return", "actual_return", "loss", "agent_weights");
        assertThat(first.get("training_step").asLong()).isEqualTo(1);
        assertThat(first.get("agent_weights").size()).isEqualTo(9);
        assertThat(JSON.readTree(lines.get(TRADES - 1)).get("training_step").asLong()).isEqualTo(TRADES);

        JsonNode s = JSON.readTree(summary.toFile());
        assertThat(new TreeSet<>(fieldNames(s))).isEqualTo(new TreeSet<>(List.of(
                "trades", "trained", "rejected", "median_step_us", "p99_step_us", "loss_first_100", "loss_last_1000",
                "r2_first_100", "r2_last_1000", "committee_pnl_learned", "committee_pnl_uniform", "agent_weights",
                "fingerprint")));
        assertThat(s.get("trades").asInt()).isEqualTo(TRADES + 3);
        assertThat(s.get("trained").asInt()).isEqualTo(TRADES);
        assertThat(s.get("rejected")).isEqualTo(JSON.readTree(
                "{\"unreadable\":1,\"confidence-out-of-range\":1,\"duplicate\":1}"));
        assertThat(s.get("fingerprint").asText()).hasSize(64);
        assertThat(s.get("median_step_us").asDouble()).isPositive();
        assertThat(r.err()).contains("line 4 rejected (unreadable)", "line 11 rejected (duplicate)",
                "line 21 rejected (confidence-out-of-range)");
    }

    @Test
    void sameInputAndFlagsGiveByteIdenticalOutput() throws Exception {
        // given
        Path a = dir.resolve("a.jsonl"), b = dir.resolve("b.jsonl");
        // when
        run("learn", "--input", trades.toString(), "--rule", "hedge", "--seed", "9", "--out", a.toString());
        run("learn", "--input", trades.toString(), "--rule", "hedge", "--seed", "9", "--out", b.toString());
        // then
        assertThat(Files.readAllBytes(a)).isNotEmpty().isEqualTo(Files.readAllBytes(b));
    }

    @Test
    void aNonDefaultRosterIgnoresAndReportsTheOtherAgents() throws Exception {
        // given
        Path out = dir.resolve("roster.jsonl");
        // when
        Run r = run("learn", "--input", trades.toString(), "--agents", "NewsAgent,TradingAgent", "--out", out.toString());
        // then
        JsonNode first = JSON.readTree(Files.readAllLines(out).get(0));
        assertThat(fieldNames(first.get("agent_weights"))).containsExactly("NewsAgent", "TradingAgent");
        assertThat(r.err()).contains("ignored votes of agents outside the roster", "RiskAgent=");
    }

    @Test
    void badFlagsAreNamedWithTheirAllowedValues() {
        // given / when
        Run engine = run("learn", "--input", trades.toString(), "--engine", "gpu");
        Run missing = run("learn", "--input", dir.resolve("nope.jsonl").toString());
        // then
        assertThat(engine.exitCode()).isEqualTo(2);
        assertThat(engine.err()).contains("engine: 'gpu' is not one of fast, dl4j");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.jsonl");
    }

    @Test
    void simulateIsSeeded() throws Exception {
        // given
        Path a = dir.resolve("sim-a.jsonl"), b = dir.resolve("sim-b.jsonl"), c = dir.resolve("sim-c.jsonl");
        // when
        run("simulate", "--trades", "50", "--seed", "3", "--scenario", "switch", "--out", a.toString());
        run("simulate", "--trades", "50", "--seed", "3", "--scenario", "switch", "--out", b.toString());
        run("simulate", "--trades", "50", "--seed", "4", "--scenario", "switch", "--out", c.toString());
        // then
        assertThat(Files.readAllLines(a)).hasSize(50).isEqualTo(Files.readAllLines(b)).isNotEqualTo(Files.readAllLines(c));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
