package io.pim.metalearner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pim.metalearner.testing.CommandRun;
import io.pim.metalearner.testing.TimedTrades;
import io.pim.metalearner.testing.TimedTrades.Trade;
import io.pim.metalearner.testing.TimedTrades.Vote;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pim.metalearner.testing.CommandRun.run;
import static io.pim.metalearner.testing.TimedTrades.day;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** learn replays a file as the stream would see it: each decision judged at decided_at, each trade learned at closed_at. */
public class LearnInDecisionTimeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> AGENTS = List.of("A", "B", "C");

    @TempDir
    Path dir;

    @Test
    void hindsightPaysInFileOrderAndNotInDecisionTime() throws Exception {
        // given two agents without skill, 8 symbols decided at the same instant each day, held 5 days
        List<Trade> market = TimedTrades.commonFactorMarket(3, 1000, 8, 5);
        Path untimed = TimedTrades.write(dir.resolve("untimed.jsonl"), market, false);
        Path timed = TimedTrades.write(dir.resolve("timed.jsonl"), market, true);
        double total = market.stream().mapToDouble(t -> Math.abs(t.priceMove())).sum(); // what perfect hindsight earns

        // when
        JsonNode fileOrder = learn(untimed, "A,B"), decisionTime = learn(timed, "A,B");

        // then in file order the weights have seen the outcomes of the decisions they weight: a large gain
        double leaked = gain(fileOrder), fair = gain(decisionTime);
        assertThat(leaked).as("learned − uniform in file order, of Σ|move| %.1f", total).isGreaterThan(0.3 * total);
        // and at decision time there is nothing to gain from agents without skill (noise: a few % of Σ|move|)
        assertThat(Math.abs(fair)).as("learned − uniform in decision time, of Σ|move| %.1f", total).isLessThan(0.05 * total);
        assertThat(decisionTime.get("order").asText()).isEqualTo("decision-time");
        assertThat(fileOrder.has("order")).isFalse();
        // every hold is 5 days, so the close order is the file's: the same steps, the same model either way
        assertThat(decisionTime.get("fingerprint")).isEqualTo(fileOrder.get("fingerprint"));
        assertThat(decisionTime.get("committee_pnl_uniform").asDouble())
                .isCloseTo(fileOrder.get("committee_pnl_uniform").asDouble(), within(1e-9));
    }

    @Test
    void theReportShowsTheLeakInFileOrderAndTellsTheTruthInDecisionTime() throws Exception {
        // given the hindsight market: 8 symbols a day sharing one market factor, held 5 days
        List<Trade> market = TimedTrades.commonFactorMarket(3, 1000, 8, 5);
        Path untimed = TimedTrades.write(dir.resolve("untimed.jsonl"), market, false);
        Path timed = TimedTrades.write(dir.resolve("timed.jsonl"), market, true);
        double total = market.stream().mapToDouble(t -> Math.abs(t.priceMove())).sum();

        // when
        String fileOrder = evaluate(untimed), decisionTime = evaluate(timed);

        // then the file-order report shows a large gain, under its look-ahead warning
        assertThat(fileOrder).contains("data-order=\"file\"", "the figures below contain look-ahead",
                "weights as they were before each trade");
        assertThat(reportGain(fileOrder)).as("learned − uniform in file order, of Σ|move| %.1f", total).isGreaterThan(0.3 * total);
        // and the decision-time report none, each figure taken at the trade's decision
        assertThat(decisionTime).contains("data-order=\"decision-time\"", "no look-ahead", "weights as they were at each decision",
                "each predicted at its decision", "(made at the trade's decision)").doesNotContain("contain look-ahead");
        assertThat(Math.abs(reportGain(decisionTime))).as("learned − uniform in decision time, of Σ|move| %.1f", total)
                .isLessThan(0.05 * total);
        // and the report's figures are learn's, at the same decisions
        JsonNode learned = learn(timed, "A,B");
        assertThat(reportFigure(decisionTime, "pnl-learned")).isCloseTo(learned.get("committee_pnl_learned").asDouble(), within(1e-4));
        assertThat(reportFigure(decisionTime, "pnl-uniform")).isCloseTo(learned.get("committee_pnl_uniform").asDouble(), within(1e-4));
    }

    @Test
    void theSeedRulesCommitteePnlIsTheOneOfTheWeightsAtEachDecision() throws Exception {
        // given overlapping holds of 1 to 4 days, decisions and closes at the same instants, NEUTRAL votes, lines shuffled
        Random random = new Random(11);
        List<Trade> trades = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            int decided = random.nextInt(200);
            List<Vote> votes = new ArrayList<>();
            for (String agent : AGENTS) votes.add(new Vote(agent, random.nextInt(3) - 1, 0.5 + 0.5 * random.nextDouble()));
            trades.add(new Trade("X" + i + "@" + decided, 100, 100 * (1 + 0.03 * random.nextGaussian()), day(decided),
                    day(decided + 1 + random.nextInt(4)), votes));
        }
        Collections.shuffle(trades, random);
        Path file = TimedTrades.write(dir.resolve("shuffled.jsonl"), trades, true);

        // when
        JsonNode s = learn(file, String.join(",", AGENTS));

        // then: an independent replay of the seed's rule in time order (closes first at an instant, then file order)
        record Event(long at, int rank, int index) {
        }
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < trades.size(); i++) {
            events.add(new Event(trades.get(i).decidedAt().toEpochMilli(), 1, i));
            events.add(new Event(trades.get(i).closedAt().toEpochMilli(), 0, i));
        }
        events.sort(Comparator.comparingLong(Event::at).thenComparingInt(Event::rank).thenComparingInt(Event::index));
        Map<String, Double> w = new HashMap<>();
        Map<Integer, double[]> signs = new HashMap<>();
        double learned = 0, uniform = 0;
        for (Event e : events) {
            Trade t = trades.get(e.index);
            if (e.rank == 1) {
                double l = 0, u = 0;
                for (Vote v : t.votes()) {
                    l += w.getOrDefault(v.agent(), 1.0) * v.direction() * v.confidence();
                    u += v.direction() * v.confidence();
                }
                signs.put(e.index, new double[]{Math.signum(l), Math.signum(u)});
                continue;
            }
            double move = t.priceMove();
            learned += signs.get(e.index)[0] * move;
            uniform += signs.get(e.index)[1] * move;
            for (Vote v : t.votes()) {
                if (v.direction() == 0) continue;
                double d = v.confidence() * Math.abs(move) * 5, grade = v.direction() * move > 0 ? 1 + d : 1 - d;
                w.put(v.agent(), Math.min(2.0, Math.max(0.1, 0.1 * grade + 0.9 * w.getOrDefault(v.agent(), 1.0))));
            }
        }
        assertThat(s.get("trained").asInt()).isEqualTo(trades.size());
        assertThat(s.get("committee_pnl_learned").asDouble()).isCloseTo(learned, within(1e-9));
        assertThat(s.get("committee_pnl_uniform").asDouble()).isCloseTo(uniform, within(1e-9));
        for (String agent : AGENTS) assertThat(s.get("agent_weights").get(agent).asDouble()).isCloseTo(w.get(agent), within(1e-12));
        // and the report shows the same, as it prints it (4 decimals)
        String report = evaluate(file, String.join(",", AGENTS));
        assertThat(reportFigure(report, "pnl-learned")).isCloseTo(learned, within(5e-5));
        assertThat(reportFigure(report, "pnl-uniform")).isCloseTo(uniform, within(5e-5));
    }

    @Test
    void simulatedDesksOfIndependentTradesKeepTheirFiguresInDecisionTime() throws Exception {
        // given a simulated desk, and the same trades timed as simulate publishes them: each close after the next 10 votes
        Path untimed = dir.resolve("desk.jsonl");
        CommandRun sim = run("simulate", "--trades", "4000", "--seed", "1", "--out", untimed.toString());
        assertThat(sim.exitCode()).as(sim.err()).isZero();
        List<String> lines = Files.readAllLines(untimed), timedLines = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            ObjectNode trade = (ObjectNode) JSON.readTree(lines.get(i));
            trade.put("decided_at", TimedTrades.DAY_0.plusSeconds(i).toString());
            trade.put("closed_at", TimedTrades.DAY_0.plusSeconds(i + 10).plusMillis(500).toString());
            timedLines.add(trade.toString());
        }
        Path timed = Files.write(dir.resolve("desk-timed.jsonl"), timedLines);

        // when
        JsonNode fileOrder = learn(untimed, null, "--candidates", "ridge"), decisionTime = learn(timed, null, "--candidates", "ridge");

        // then the learners took the same steps: the closes come in the file's order
        assertThat(decisionTime.get("order").asText()).isEqualTo("decision-time");
        JsonNode ridgeInFileOrder = fileOrder.get("candidates").get("ridge"), ridge = decisionTime.get("candidates").get("ridge");
        assertThat(decisionTime.get("fingerprint")).isEqualTo(fileOrder.get("fingerprint"));
        assertThat(ridge.get("fingerprint")).isEqualTo(ridgeInFileOrder.get("fingerprint"));
        // and judged 10 trades earlier, independent trades give the same figures within noise
        assertThat(ridge.get("r2_last_1000").asDouble()).isGreaterThan(0.3)
                .isCloseTo(ridgeInFileOrder.get("r2_last_1000").asDouble(), within(0.01));
        double ridgePnl = ridgeInFileOrder.get("committee_pnl_learned").asDouble();
        assertThat(ridge.get("committee_pnl_learned").asDouble()).isCloseTo(ridgePnl, within(0.01 * ridgePnl));
        double pnl = fileOrder.get("committee_pnl_learned").asDouble();
        assertThat(decisionTime.get("committee_pnl_learned").asDouble()).isCloseTo(pnl, within(0.01 * pnl));
        assertThat(decisionTime.get("r2_last_1000").asDouble()).isCloseTo(fileOrder.get("r2_last_1000").asDouble(), within(0.01));
        assertThat(decisionTime.get("committee_pnl_uniform")).isEqualTo(fileOrder.get("committee_pnl_uniform"));
    }

    @Test
    void aFileIsLearnedInTheOrderItsFirstTradeSays() throws Exception {
        // given the same trades, once with timestamps but on line 3, once without them but on line 2
        List<Trade> trades = TimedTrades.commonFactorMarket(5, 2, 2, 1);
        List<String> timedFirst = new ArrayList<>(), untimedFirst = new ArrayList<>();
        for (int i = 0; i < trades.size(); i++) {
            timedFirst.add(trades.get(i).json(i != 2));
            untimedFirst.add(trades.get(i).json(i == 1));
        }
        Path a = Files.write(dir.resolve("timed-first.jsonl"), timedFirst), b = Files.write(dir.resolve("untimed-first.jsonl"), untimedFirst);

        // when
        CommandRun timed = run("learn", "--input", a.toString(), "--agents", "A,B", "--out", dir.resolve("a.out").toString());
        CommandRun untimed = run("learn", "--input", b.toString(), "--agents", "A,B", "--out", dir.resolve("b.out").toString());

        // then decision time refuses the line it cannot place in time, and says why
        assertThat(timed.exitCode()).as(timed.err()).isZero();
        assertThat(timed.err()).contains("learn: line 3 rejected (missing-field): decided_at is missing (the first trade, line 1, "
                + "has timestamps: the file is learned in decision time)", "3 trained, 1 rejected").doesNotContain("warning");
        // and file order learns every line, warns of look-ahead and names the line whose timestamps it did not use
        assertThat(untimed.exitCode()).as(untimed.err()).isZero();
        assertThat(untimed.err()).contains("learn: warning: the trades have no decided_at and closed_at, so they were learned "
                        + "in file order", "learn: warning: line 2 has timestamps but the first trade, line 1, has none",
                "4 trained, 0 rejected");
    }

    @Test
    void aCloseBeforeItsDecisionIsRejectedAndATimestampMustBeOne() throws Exception {
        // given
        List<Trade> trades = TimedTrades.commonFactorMarket(5, 1, 3, 1);
        Path file = Files.write(dir.resolve("bad-times.jsonl"), List.of(trades.get(0).json(true),
                trades.get(1).json(true).replace("\"closed_at\":\"2020-01-02T00:00:00Z\"", "\"closed_at\":\"2019-12-31\""),
                trades.get(2).json(true).replace("\"decided_at\":\"2020-01-01T00:00:00Z\"", "\"decided_at\":\"yesterday\"")));

        // when
        CommandRun r = run("learn", "--input", file.toString(), "--agents", "A,B", "--out", dir.resolve("bad.out").toString());

        // then
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains(
                "line 2 rejected (wrong-type): closed_at 2019-12-31T00:00:00Z is before decided_at 2020-01-01T00:00:00Z",
                "line 3 rejected (wrong-type): decided_at must be an ISO-8601 instant (2026-12-07T14:30:00Z) or date (2026-12-07), "
                        + "not 'yesterday'", "3 trades, 1 trained, 2 rejected");
    }

    @Test
    void withoutOverlapOrSharedInstantsDecisionTimeAndFileOrderAgreeToTheBit() throws Exception {
        // given one symbol a day, each held one day: what the file order judges is what the stream would
        List<Trade> trades = TimedTrades.commonFactorMarket(7, 300, 1, 1);
        Path untimed = TimedTrades.write(dir.resolve("daily.jsonl"), trades, false);
        Path timed = TimedTrades.write(dir.resolve("daily-timed.jsonl"), trades, true);

        // when
        JsonNode a = learn(untimed, "A,B"), b = learn(timed, "A,B");

        // then the same lines (predictions at decision time included) and the same summary, but for the order
        assertThat(Files.readAllLines(dir.resolve("daily-timed.jsonl.out"))).isEqualTo(Files.readAllLines(dir.resolve("daily.jsonl.out")));
        for (JsonNode s : List.of(a, b)) ((ObjectNode) s).remove(List.of("median_step_us", "p99_step_us", "order"));
        assertThat(b).isEqualTo(a);
    }

    @Test
    void aCandidateIsJudgedAtEachDecisionAsTheMainLearnerIs() throws Exception {
        // given the hindsight market, and a candidate that is the main learner's twin
        Path timed = TimedTrades.write(dir.resolve("race.jsonl"), TimedTrades.commonFactorMarket(3, 200, 8, 5), true);
        Path summary = dir.resolve("race.json");

        // when
        CommandRun r = run("learn", "--input", timed.toString(), "--agents", "A,B", "--candidates", "original",
                "--out", dir.resolve("race.out").toString(), "--summary", summary.toString());

        // then the twin reports the main learner's decision-time figures, not ones its training order leaked into
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode s = JSON.readTree(summary.toFile()), twin = s.get("candidates").get("original");
        for (String figure : List.of("committee_pnl_learned", "committee_pnl_uniform", "r2_last_1000", "loss_last_1000", "fingerprint")) {
            assertThat(twin.get(figure)).as(figure).isEqualTo(s.get(figure));
        }
    }

    /** {@code learn}'s summary of {@code input}; {@code agents} null for the default roster. */
    private JsonNode learn(Path input, String agents, String... more) throws Exception {
        Path summary = dir.resolve(input.getFileName() + ".summary.json");
        List<String> args = new ArrayList<>(List.of("learn", "--input", input.toString(),
                "--out", dir.resolve(input.getFileName() + ".out").toString(), "--summary", summary.toString()));
        if (agents != null) args.addAll(List.of("--agents", agents));
        args.addAll(List.of(more));
        CommandRun r = run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();
        return JSON.readTree(summary.toFile());
    }

    private String evaluate(Path input) throws Exception {
        return evaluate(input, "A,B");
    }

    private String evaluate(Path input, String agents) throws Exception {
        Path report = dir.resolve(input.getFileName() + ".html");
        CommandRun r = run("evaluate", "--input", input.toString(), "--agents", agents, "--report", report.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        return Files.readString(report);
    }

    /** A figure of the report, by the id of the element that shows it. */
    private static double reportFigure(String html, String id) {
        Matcher m = Pattern.compile("id=\"" + id + "\">([-0-9.]+)<").matcher(html);
        assertThat(m.find()).as(id).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static double reportGain(String html) {
        return reportFigure(html, "pnl-learned") - reportFigure(html, "pnl-uniform");
    }

    private static double gain(JsonNode summary) {
        return summary.get("committee_pnl_learned").asDouble() - summary.get("committee_pnl_uniform").asDouble();
    }
}
