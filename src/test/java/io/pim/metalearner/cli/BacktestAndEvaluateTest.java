package io.pim.metalearner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pim.metalearner.testing.CommandRun.run;
import static org.assertj.core.api.Assertions.assertThat;

/** simulate --prices on the committed real closes, then learn and evaluate on its trades, as a user runs them. */
public class BacktestAndEvaluateTest {
    public static final Path EU_PRICES = Path.of("docs/prices/eu-stock-markets.csv");
    /** Agent names a hostile input could carry: markup, a script, quotes. */
    public static final List<String> HOSTILE = List.of("<img src=x onerror=\"window.__xss=1\">", "</pre><script>window.__xss=2</script>",
            "Quote\"'Agent", "TradingAgent");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path trades;

    @BeforeAll
    static void backtestTheCommittedPrices() {
        trades = dir.resolve("eu.jsonl");
        var r = run("simulate", "--prices", EU_PRICES.toString(), "--out", trades.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("TradingAgent votes TREND_CROSSOVER", "3200 decisions on 4 symbols", "held 1 trading day");
    }

    @Test
    void realClosesBecomeADecisionPerSymbolAndDayThatLearnTrainsOnWithoutARejection() throws Exception {
        // given 1,000 days of 4 indices: the rules need 200 days before the first vote, a decision closes a day later
        List<String> lines = Files.readAllLines(trades);
        assertThat(lines).hasSize(4 * (1000 - 199 - 1));

        // when
        Path summary = dir.resolve("learn-summary.json");
        var r = run("learn", "--input", trades.toString(), "--out", dir.resolve("learn.jsonl").toString(), "--summary", summary.toString());

        // then
        assertThat(r.exitCode()).isZero();
        JsonNode s = JSON.readTree(summary.toFile());
        assertThat(s.get("trained").asInt()).isEqualTo(lines.size());
        assertThat(s.get("rejected").size()).isZero();
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.get("decision_id").asText()).isEqualTo("DAX@1995-07-21");
        assertThat(first.get("closed_at").asText()).isEqualTo("1995-07-24");
        assertThat(first.get("agent_votes").size()).isEqualTo(9);
    }

    @Test
    void aHoldingPeriodLongerThanADayIsLearnedInDecisionTime() throws Exception {
        // given decisions whose holds overlap: those of the 4 days before a decision close after it
        Path hold5 = dir.resolve("hold5.jsonl"), summary = dir.resolve("hold5-summary.json");
        var sim = run("simulate", "--prices", EU_PRICES.toString(), "--hold", "5", "--out", hold5.toString());
        assertThat(sim.exitCode()).isZero();
        assertThat(sim.err()).contains("3184 decisions on 4 symbols", "held 5 trading day(s)");

        // when
        var r = run("learn", "--input", hold5.toString(), "--out", dir.resolve("hold5-learn.jsonl").toString(), "--summary", summary.toString());

        // then each decision is judged as a live model would have judged it, without a warning
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("warning");
        JsonNode s = JSON.readTree(summary.toFile());
        assertThat(s.get("order").asText()).isEqualTo("decision-time");
        assertThat(s.get("trained").asInt()).isEqualTo(3184);
    }

    @Test
    void anInvalidPricesFileIsRefusedWithItsLineAndNothingIsWritten() throws Exception {
        // given a file whose third row repeats a date
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "date,A\n2000-01-03,10\n2000-01-04,11\n2000-01-04,12\n");
        Path out = dir.resolve("never.jsonl");

        // when
        var r = run("simulate", "--prices", bad.toString(), "--out", out.toString());

        // then
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("bad.csv line 4: date 2000-01-04 is repeated");
        assertThat(out).doesNotExist();
    }

    @Test
    void theReportEmbedsExactlyTheSummaryLearnWritesForTheSameFlags() throws Exception {
        // given
        Path learnSummary = dir.resolve("hedge-summary.json"), report = dir.resolve("hedge.html");
        run("learn", "--input", trades.toString(), "--rule", "hedge", "--out", dir.resolve("hedge.jsonl").toString(),
                "--summary", learnSummary.toString());

        // when
        var r = run("evaluate", "--input", trades.toString(), "--rule", "hedge", "--report", report.toString());

        // then the same model was trained: the summaries agree but for the step timings
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(withoutTimings(embeddedSummary(Files.readString(report)))).isEqualTo(withoutTimings(JSON.readTree(learnSummary.toFile())));
        // and the page says at a glance that on these real prices the model cannot predict
        assertThat(Files.readString(report)).contains("class=\"verdict none\"", "The model cannot predict these returns");
        // and that it judged each decision at its decided_at
        assertThat(Files.readString(report)).contains("data-order=\"decision-time\"");
        assertThat(r.err()).contains("evaluate: 3200 trades, 3200 trained in decision-time order; R² -");
    }

    @Test
    void everyValueFromTheInputIsEscapedInTheReport() throws Exception {
        // given trades whose agents and decision ids are markup
        Path hostile = dir.resolve("<b>hostile&.jsonl"), report = dir.resolve("hostile.html");
        var sim = run("simulate", "--trades", "300", "--agents", String.join(",", HOSTILE), "--out", hostile.toString());
        assertThat(sim.exitCode()).isZero();
        Files.writeString(hostile, Files.readString(hostile).replace("\"sim-", "\"<script>x</script>sim-"));

        // when
        var r = run("evaluate", "--input", hostile.toString(), "--agents", String.join(",", HOSTILE), "--report", report.toString());

        // then no input reaches the page as markup, and all of it is there as text
        assertThat(r.exitCode()).as(r.err()).isZero();
        String html = Files.readString(report);
        assertThat(html).doesNotContain("<img", "<script", "<b>", "Quote\"'").contains("&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;",
                "&lt;/pre&gt;&lt;script&gt;window.__xss=2&lt;/script&gt;", "Quote&quot;&#39;Agent", "&lt;b&gt;hostile&amp;.jsonl");
        assertThat(embeddedSummary(html).get("agent_weights").fieldNames()).toIterable().containsExactlyElementsOf(HOSTILE);
        // simulated trades have no timestamps: the page and stderr say the figures may contain look-ahead
        assertThat(html).contains("data-order=\"file\"", "the figures below contain look-ahead");
        assertThat(r.err()).contains("evaluate: warning: the trades have no decided_at and closed_at");
    }

    @Test
    void evaluateRefusesToWriteTheReportOverItsInput() {
        var r = run("evaluate", "--input", trades.toString(), "--report", trades.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--report " + trades + " is the input file");
    }

    /** The JSON in the page's summary block, unescaped. */
    static JsonNode embeddedSummary(String html) throws Exception {
        Matcher m = Pattern.compile("<pre id=\"summary-json\">(.*?)</pre>", Pattern.DOTALL).matcher(html);
        assertThat(m.find()).isTrue();
        return JSON.readTree(m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&"));
    }

    private static JsonNode withoutTimings(JsonNode summary) {
        ObjectNode copy = summary.deepCopy();
        copy.remove(List.of("median_step_us", "p99_step_us"));
        return copy;
    }
}
