package io.pim.metalearner.cli;

import io.pim.metalearner.testing.CommandRun;
import static io.pim.metalearner.testing.CommandRun.run;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.learn.score.StepResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands as a user runs them, in-process. */
public class LearnCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TRADES = 1500;

    @TempDir
    static Path dir;
    static Path clean, trades;

    @BeforeAll
    static void simulateAndSpoilAFewLines() throws Exception {
        clean = dir.resolve("clean.jsonl");
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
        CommandRun r = run("learn", "--input", trades.toString(), "--out", out.toString(), "--summary", summary.toString());
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
        // simulated trades carry no decided_at and closed_at: file order, said out loud
        assertThat(r.err()).contains("learn: warning: the trades have no decided_at and closed_at, so they were learned in "
                + "file order, each judged just before it was learned: where holds overlap or decisions share an instant, "
                + "the figures contain look-ahead");
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
    void candidatesLearnBesideTheMainLearnerWithoutChangingItsOutput() throws Exception {
        // given the same trades learned without and with candidates
        Path aloneOut = dir.resolve("alone.jsonl"), aloneSummary = dir.resolve("alone.json");
        Path racedOut = dir.resolve("raced.jsonl"), racedSummary = dir.resolve("raced.json");
        // when
        CommandRun alone = run("learn", "--input", trades.toString(), "--out", aloneOut.toString(), "--summary", aloneSummary.toString());
        CommandRun raced = run("learn", "--input", trades.toString(), "--out", racedOut.toString(), "--summary", racedSummary.toString(),
                "--candidates", "default,net(hidden=8x4,batch=4)+hedge(eta=0.5)");
        // then the main learner's lines and figures are the same, and each candidate is reported by its name
        assertThat(alone.exitCode()).as(alone.err()).isZero();
        assertThat(raced.exitCode()).as(raced.err()).isZero();
        assertThat(Files.readAllBytes(racedOut)).isEqualTo(Files.readAllBytes(aloneOut));
        ObjectNode a = (ObjectNode) JSON.readTree(aloneSummary.toFile()), r = (ObjectNode) JSON.readTree(racedSummary.toFile());
        JsonNode candidates = r.remove("candidates");
        for (ObjectNode s : List.of(a, r)) s.remove(List.of("median_step_us", "p99_step_us"));
        assertThat(r).isEqualTo(a);
        assertThat(fieldNames(candidates)).containsExactly("ridge", "ridge-tracking", "net-batch8", "net(hidden=8x4,batch=4)+hedge(eta=0.5)");
        JsonNode ridge = candidates.get("ridge");
        assertThat(new TreeSet<>(fieldNames(ridge))).containsAll(List.of("r2_last_1000", "loss_last_1000",
                "committee_pnl_learned", "committee_pnl_uniform", "median_step_us", "fingerprint"));
        assertThat(ridge.get("trained").asInt()).isEqualTo(TRADES);
        assertThat(ridge.get("committee_pnl_uniform")).isEqualTo(a.get("committee_pnl_uniform"));
        assertThat(ridge.get("spec").asText()).isEqualTo("ridge(features=side,forget=1,delta=1)+linear(forget=1)");
        assertThat(ridge.get("fingerprint").asText()).hasSize(64).isNotEqualTo(a.get("fingerprint").asText());
    }

    @Test
    void aRegimeResponseIsReportedInTheSummaryAndBadResponseFlagsAreUsageErrors() throws Exception {
        // given a detector sensitive enough to fire on this stream (the alert's defaults would not)
        Path plain = dir.resolve("plain.json"), responded = dir.resolve("responded.json");
        // when
        CommandRun a = run("learn", "--input", clean.toString(), "--out", dir.resolve("plain.jsonl").toString(),
                "--summary", plain.toString());
        CommandRun b = run("learn", "--input", clean.toString(), "--out", dir.resolve("responded.jsonl").toString(),
                "--summary", responded.toString(), "--response", "reset-moments,boost", "--boost-steps", "50",
                "--drift-delta", "0.0001", "--drift-threshold", "0.01", "--candidates", "default");
        // then the response fired and made another model; the candidates (ridge among them) race without it
        assertThat(a.exitCode()).as(a.err()).isZero();
        assertThat(b.exitCode()).as(b.err()).isZero();
        JsonNode p = JSON.readTree(plain.toFile()), r = JSON.readTree(responded.toFile());
        assertThat(p.has("regime_response")).isFalse();
        JsonNode regime = r.get("regime_response");
        assertThat(regime.get("response").asText()).startsWith("reset-moments,boost (x3 for 50 steps) on drift(delta=0.0001,threshold=0.01");
        assertThat(regime.get("responses").asLong()).isPositive();
        assertThat(regime.get("last_response_step").asLong()).isBetween(1L, (long) TRADES);
        assertThat(r.get("fingerprint").asText()).isNotEqualTo(p.get("fingerprint").asText());
        assertThat(r.get("candidates").get("ridge").get("trained").asInt()).isEqualTo(TRADES);
        // and flags that cannot work are usage errors naming the flag
        CommandRun ridge = run("learn", "--input", clean.toString(), "--spec", "ridge", "--response", "boost");
        assertThat(ridge.exitCode()).isEqualTo(2);
        assertThat(ridge.err()).contains("--response: the ridge model has no optimiser moments");
        CommandRun stepsAlone = run("learn", "--input", clean.toString(), "--boost-steps", "10");
        assertThat(stepsAlone.exitCode()).isEqualTo(2);
        assertThat(stepsAlone.err()).contains("need the boost action");
        CommandRun unknown = run("learn", "--input", clean.toString(), "--response", "panic");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("[panic] is not among none, reset-moments, boost");
    }

    @Test
    void aVariantIsTheMainLearnerWithSpecAndABadSpecIsAUsageError() throws Exception {
        // given
        Path summary = dir.resolve("ridge-main.json"), raced = dir.resolve("ridge-raced.json");
        // when the ridge is the main learner, and when it is a candidate
        CommandRun main = run("learn", "--input", trades.toString(), "--spec", "ridge", "--out", dir.resolve("r.jsonl").toString(),
                "--summary", summary.toString());
        run("learn", "--input", trades.toString(), "--candidates", "ridge", "--out", dir.resolve("c.jsonl").toString(),
                "--summary", raced.toString());
        CommandRun badSpec = run("learn", "--input", trades.toString(), "--spec", "ridge(lr=1)");
        CommandRun badCandidate = run("learn", "--input", trades.toString(), "--candidates", "ridge,nope");
        // then it is the same learner either way (same trades, same state)
        assertThat(main.exitCode()).as(main.err()).isZero();
        assertThat(JSON.readTree(summary.toFile()).get("fingerprint"))
                .isEqualTo(JSON.readTree(raced.toFile()).get("candidates").get("ridge").get("fingerprint"));
        assertThat(badSpec.exitCode()).isEqualTo(2);
        assertThat(badSpec.err()).contains("--spec: ridge has no parameter 'lr'");
        assertThat(badCandidate.exitCode()).isEqualTo(2);
        assertThat(badCandidate.err()).contains("--candidates 'nope': model: family 'nope' is not one of");
    }

    @Test
    void aNonDefaultRosterIgnoresAndReportsTheOtherAgents() throws Exception {
        // given
        Path out = dir.resolve("roster.jsonl");
        // when
        CommandRun r = run("learn", "--input", trades.toString(), "--agents", "NewsAgent,TradingAgent", "--out", out.toString());
        // then
        JsonNode first = JSON.readTree(Files.readAllLines(out).get(0));
        assertThat(fieldNames(first.get("agent_weights"))).containsExactly("NewsAgent", "TradingAgent");
        assertThat(r.err()).contains("ignored votes of agents outside the roster", "RiskAgent=");
    }

    @Test
    void badFlagsAreNamedWithTheirAllowedValues() {
        // given / when
        CommandRun engine = run("learn", "--input", trades.toString(), "--engine", "gpu");
        CommandRun twice = run("learn", "--input", trades.toString(), "--agents", "A, A");
        CommandRun blank = run("learn", "--input", trades.toString(), "--agents", "A,,B");
        CommandRun hedgeRate = run("learn", "--input", trades.toString(), "--hedge-rate", "0");
        CommandRun window = run("learn", "--input", trades.toString(), "--window", "1");
        // then each is a usage error naming the flag the user typed, not the config's field
        for (CommandRun r : List.of(engine, twice, blank, hedgeRate, window)) assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(engine.err()).contains("--engine: 'gpu' is not one of fast, dl4j");
        assertThat(twice.err()).contains("--agents: agent 'A' is listed twice");
        assertThat(blank.err()).contains("--agents: agent names must not be blank");
        assertThat(hedgeRate.err()).contains("--hedge-rate: must be a finite number > 0, was 0.0");
        assertThat(window.err()).contains("--window: must be at least 2 trades");
        assertThat(String.join("", twice.err(), hedgeRate.err(), window.err())).doesNotContain("roster:", "hedgeRate:",
                "\nwindow:");
    }

    @Test
    void anInputThatCannotBeReadIsSaidSoPlainly() {
        // given / when
        CommandRun missing = run("learn", "--input", "nope.jsonl");
        CommandRun directory = run("learn", "--input", dir.toString());
        // then
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("metalearner learn: cannot read --input nope.jsonl: no such file\n");
        assertThat(directory.exitCode()).isEqualTo(1);
        assertThat(directory.err()).isEqualTo("metalearner learn: cannot read --input " + dir + ": is a directory\n");
    }

    @Test
    void anOutputThatIsTheInputIsRefusedBeforeAnythingIsWritten() throws Exception {
        // given the input, also spelled another way (a detour through its directory, a symbolic link)
        Path in = Files.write(dir.resolve("precious.jsonl"), Files.readAllLines(clean).subList(0, 5));
        byte[] before = Files.readAllBytes(in);
        Path detour = dir.resolve("sub").resolve("..").resolve("precious.jsonl");
        Files.createDirectories(dir.resolve("sub"));
        Path link = Files.createSymbolicLink(dir.resolve("link.jsonl"), in);
        // when
        CommandRun same = run("learn", "--input", in.toString(), "--out", in.toString());
        CommandRun spelled = run("learn", "--input", in.toString(), "--out", detour.toString());
        CommandRun linked = run("learn", "--input", link.toString(), "--out", in.toString());
        CommandRun summary = run("learn", "--input", in.toString(), "--summary", detour.toString());
        // then
        for (CommandRun r : List.of(same, spelled, linked, summary)) {
            assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains("is the input file");
        }
        assertThat(spelled.err()).contains("--out " + detour + " is the input file (" + in + ")");
        assertThat(summary.err()).contains("--summary ");
        assertThat(Files.readAllBytes(in)).isEqualTo(before);
    }

    @Test
    void agentNamesAreTrimmed() throws Exception {
        // given
        Path learned = dir.resolve("trimmed.jsonl"), simulated = dir.resolve("simulated-trimmed.jsonl");
        // when
        CommandRun learn = run("learn", "--input", trades.toString(), "--agents", "NewsAgent, TradingAgent", "--out", learned.toString());
        CommandRun simulate = run("simulate", "--trades", "3", "--agents", " A , B", "--out", simulated.toString());
        // then
        assertThat(learn.exitCode()).as(learn.err()).isZero();
        assertThat(fieldNames(JSON.readTree(Files.readAllLines(learned).get(0)).get("agent_weights")))
                .containsExactly("NewsAgent", "TradingAgent");
        assertThat(simulate.exitCode()).as(simulate.err()).isZero();
        for (String line : Files.readAllLines(simulated)) {
            assertThat(fieldNames(JSON.readTree(line).get("agent_votes"))).isSubsetOf("A", "B");
        }
    }

    @Test
    void simulateChecksItsAgentsAsLearnDoes() {
        // given / when
        CommandRun twice = run("simulate", "--trades", "3", "--agents", "A, A");
        CommandRun blank = run("simulate", "--trades", "3", "--agents", "A, ");
        // then
        assertThat(twice.exitCode()).isEqualTo(2);
        assertThat(twice.err()).contains("--agents: agent 'A' is listed twice");
        assertThat(blank.exitCode()).isEqualTo(2);
        assertThat(blank.err()).contains("--agents: agent names must not be blank");
    }

    @Test
    void linesTheFloatNetworkCannotLearnFromAreRejectedAndChangeNothing() throws Exception {
        // given 30 clean trades, and the same with three lines whose numbers overflow a float in between
        List<String> lines = Files.readAllLines(clean).subList(0, 30);
        String first = lines.get(0);
        List<String> poisoned = new ArrayList<>(lines);
        poisoned.add(5, first.replace("sim-5-1\"", "huge-return\"")
                .replaceFirst("\"entry_price\":[0-9.]+", "\"entry_price\":1e-39").replaceFirst("\"exit_price\":[0-9.]+", "\"exit_price\":1"));
        poisoned.add(10, first.replace("sim-5-1\"", "huge-size\"")
                .replaceFirst("\"position_size\":[0-9.]+", "\"position_size\":1e39"));
        // a finite float return of 1e20 passes the checks, but the step's squared error overflows
        poisoned.add(15, first.replace("sim-5-1\"", "huge-loss\"")
                .replaceFirst("\"entry_price\":[0-9.]+", "\"entry_price\":1e-20").replaceFirst("\"exit_price\":[0-9.]+", "\"exit_price\":1"));
        Path cleanIn = Files.write(dir.resolve("thirty.jsonl"), lines), poisonedIn = Files.write(dir.resolve("poisoned.jsonl"), poisoned);
        Path cleanOut = dir.resolve("thirty-out.jsonl"), poisonedOut = dir.resolve("poisoned-out.jsonl");
        Path cleanSummary = dir.resolve("thirty-summary.json"), poisonedSummary = dir.resolve("poisoned-summary.json");
        run("learn", "--input", cleanIn.toString(), "--out", cleanOut.toString(), "--summary", cleanSummary.toString());

        // when
        CommandRun r = run("learn", "--input", poisonedIn.toString(), "--out", poisonedOut.toString(),
                "--summary", poisonedSummary.toString());

        // then the three are counted and the model learned exactly what it learns without them
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("line 6 rejected (non-finite-value): the return",
                "line 11 rejected (non-finite-value): TradingAgent: position_size",
                "line 16 rejected (non-finite-value): the training step's loss is Infinity");
        JsonNode s = JSON.readTree(poisonedSummary.toFile());
        assertThat(s.get("rejected")).isEqualTo(JSON.readTree("{\"non-finite-value\":3}"));
        assertThat(s.get("fingerprint")).isEqualTo(JSON.readTree(cleanSummary.toFile()).get("fingerprint"));
        assertThat(Files.readAllBytes(poisonedOut)).isEqualTo(Files.readAllBytes(cleanOut));
    }

    @Test
    void aNonFiniteFigureIsWrittenAsJsonNullNotAsAString() {
        // given a step whose figures are not numbers JSON can hold
        StepResult r = new StepResult(1, "d-1", Float.NaN, Double.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                0, null, 0, Map.of("A", Double.NaN), List.of());
        // when
        String line = LearnCommand.line(r).toString();
        // then
        assertThat(line).isEqualTo("{\"training_step\":1,\"decision_id\":\"d-1\",\"predicted_return\":null,"
                + "\"actual_return\":null,\"loss\":null,\"agent_weights\":{\"A\":null}}");
    }

    /** A BOM, CRLF endings, a line that is not UTF-8 (line 2) and no newline at the end. */
    private static byte[] awkwardBytes(List<String> lines) {
        var bytes = new ByteArrayOutputStream();
        bytes.writeBytes(("\uFEFF" + lines.get(0) + "\r\n").getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {'{', '"', (byte) 0xC3, '(', '"', '}', '\r', '\n'});
        bytes.writeBytes((lines.get(1) + "\r\n" + lines.get(2)).getBytes(StandardCharsets.UTF_8));
        return bytes.toByteArray();
    }

    @Test
    void aLineThatIsNotUtf8IsRejectedAndTheRunGoesOn() throws Exception {
        // given
        List<String> lines = Files.readAllLines(clean).subList(0, 3);
        Path in = Files.write(dir.resolve("awkward.jsonl"), awkwardBytes(lines));
        Path expected = dir.resolve("three-out.jsonl"), out = dir.resolve("awkward-out.jsonl");
        run("learn", "--input", Files.write(dir.resolve("three.jsonl"), lines).toString(), "--out", expected.toString());
        Path summary = dir.resolve("awkward-summary.json");
        // when
        CommandRun r = run("learn", "--input", in.toString(), "--out", out.toString(), "--summary", summary.toString());
        // then the BOM and CRLF are no trouble, and the bad line is one rejection
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("line 2 rejected (unreadable): not valid UTF-8");
        JsonNode s = JSON.readTree(summary.toFile());
        assertThat(s.get("trades").asInt()).isEqualTo(4);
        assertThat(s.get("rejected")).isEqualTo(JSON.readTree("{\"unreadable\":1}"));
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(expected));
    }

    @Test
    void stdinIsReadTheSameWay() throws Exception {
        // given
        List<String> lines = Files.readAllLines(clean).subList(0, 3);
        Path expected = dir.resolve("three-out.jsonl"), out = dir.resolve("stdin-out.jsonl");
        run("learn", "--input", Files.write(dir.resolve("three.jsonl"), lines).toString(), "--out", expected.toString());
        var stdin = System.in;
        CommandRun r;
        // when
        try {
            System.setIn(new ByteArrayInputStream(awkwardBytes(lines)));
            r = run("learn", "--input", "-", "--out", out.toString());
        } finally {
            System.setIn(stdin);
        }
        // then
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("line 2 rejected (unreadable): not valid UTF-8", "3 trained");
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(expected));
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
