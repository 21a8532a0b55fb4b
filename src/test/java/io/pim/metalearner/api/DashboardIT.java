package io.pim.metalearner.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pim.metalearner.testing.HeadlessChromium;
import io.pim.metalearner.learn.trade.FeedbackJson;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerConfig;
import io.pim.metalearner.learn.LearnerSpec;
import io.pim.metalearner.learn.score.LearningCurve;
import io.pim.metalearner.learn.score.Metrics;
import io.pim.metalearner.learn.score.RecentScores;
import io.pim.metalearner.learn.score.StepResult;
import io.pim.metalearner.learn.trade.Trade;
import io.pim.metalearner.learn.trade.Vote;
import io.pim.metalearner.learn.score.VoteScore;
import io.pim.metalearner.learn.alert.AlertConfig;
import io.pim.metalearner.learn.alert.AlertMonitor;
import io.pim.metalearner.learn.race.PromotionPolicy;
import io.pim.metalearner.learn.race.ShadowRace;
import io.pim.metalearner.tools.simulate.TradeSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium over a real learner trained on simulated trades: the four
 * panels and the alerts fill in, follow new trades without a reload, and show input as text.
 * Needs Debian's {@code chromium} and {@code chromium-driver} ({@code .ci/run} installs them).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the tests share one model: the steps they expect follow from this order
class DashboardIT {

    static final String MARKUP_AGENT = "<img src=x onerror=\"window.__xss=1\">";
    static final String MARKUP_DECISION = "<b onmouseover=\"window.__xss=2\">d-markup</b>";
    static final List<String> ROSTER = List.of("TradingAgent", "TechnicalAgent", MARKUP_AGENT, "RiskAgent", "MacroAgent");

    static TrainedModel model;
    static ApiServer server;
    static ChromeDriver browser;
    static TradeSimulator trades;

    @BeforeAll
    static void start() {
        browser = HeadlessChromium.start(1280, 1000); // first: without Chromium the class is skipped
        model = new TrainedModel(LearnerConfig.defaults().withRoster(ROSTER));
        trades = new TradeSimulator(ROSTER, 3, TradeSimulator.Scenario.SKILLS, 1_000);
        model.train(100);
        server = new ApiServer(new ApiConfig(0, "default", 200, Duration.ofSeconds(1)), model,
                f -> CompletableFuture.failedFuture(new UnsupportedOperationException("no feedback in this test")),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)::scrape).start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (server != null) server.close();
    }

    @Test
    @Order(1)
    void panelsRenderWithDataFollowNewTradesWithoutReloadAndShowInputAsText() throws Exception {
        // given a model that trained 100 trades and has a failed checkpoint
        model.checkpointFailed("disk full");

        // when the dashboard opens
        browser.get("http://localhost:" + server.port() + "/");
        waitFor(() -> text("stat-step").equals("100"));

        // then the four panels and the alerts show the model's data
        assertThat(points("loss-chart", 1)).isEqualTo(100);
        assertThat(points("returns-chart", 1)).isEqualTo(100);
        assertThat(points("weights-chart", 0)).isEqualTo(ROSTER.size());
        assertThat(text("stat-loss")).matches("0\\.\\d{6}");
        assertThat(text("stat-pnl-learned")).isNotEqualTo("–");
        assertThat(browser.findElements(By.cssSelector("#alert-list li.alert"))).extracting(WebElement::getText)
                .hasSize(model.activeAlerts()).anySatisfy(alert -> assertThat(alert).contains("checkpoint-failed", "disk full"));

        // and the agent whose name is markup is shown as that text, not as an element
        List<String> names = browser.findElements(By.cssSelector("#agents-table tbody tr td:first-child"))
                .stream().map(WebElement::getText).toList();
        assertThat(names).containsExactlyElementsOf(ROSTER);
        assertThat(browser.findElements(By.cssSelector("#agents-table img, #alert-list img"))).isEmpty();
        assertThat(js("return window.__xss === undefined")).isEqualTo(true);
        saveScreenshot();

        // when 20 more trades are trained, with the page left open
        js("window.__sameDocument = true");
        model.train(20);

        // then within the refresh interval the panels follow, in the same document
        waitFor(() -> text("stat-step").equals("120"));
        assertThat(js("return window.__sameDocument")).isEqualTo(true);
        assertThat(js("return Chart.getChart('loss-chart').data.labels.at(-1)")).isEqualTo(120L);
        assertThat(points("returns-chart", 1)).isEqualTo(120);
    }

    @Test
    @Order(2)
    void metricsThatAreUndefinedSoFarShowAsADashNotAsZero() {
        // when the dashboard opens on a model that has not traded yet (no loss, R² or accuracy so far)
        browser.get("http://localhost:" + server.port() + "/?model_id=" + TrainedModel.FRESH);
        waitFor(() -> text("model-id").equals(TrainedModel.FRESH) && text("stat-step").equals("0"));

        // then
        assertThat(text("stat-accuracy")).isEqualTo("–");
        assertThat(text("stat-r2")).isEqualTo("–");
        assertThat(text("stat-loss")).isEqualTo("–");
        // and a model without candidates has no race panel
        assertThat(browser.findElement(By.id("race-panel")).isDisplayed()).isFalse();
    }

    @Test
    @Order(4)
    void theRaceWithTheShadowCandidateShowsBothLearnersOnTheSameTrades() {
        // when the dashboard opens on the model, whose ridge candidate learned its 122 trades beside it
        browser.get("http://localhost:" + server.port() + "/");
        waitFor(() -> browser.findElement(By.id("race-panel")).isDisplayed()
                && browser.findElements(By.cssSelector("#race-table tbody tr")).size() == 2);

        // then the live model over the window, then the candidate against it with the test's statistic
        List<WebElement> rows = browser.findElements(By.cssSelector("#race-table tbody tr"));
        List<String> live = cells(rows.get(0));
        assertThat(live.get(0)).isEqualTo("live model");
        assertThat(live.get(1)).isEqualTo("100");
        assertThat(live.get(2)).matches("0\\.\\d{6}");
        List<String> candidate = cells(rows.get(1));
        assertThat(candidate.get(0)).isEqualTo(TrainedModel.CANDIDATE);
        assertThat(candidate.get(1)).isEqualTo("100");
        assertThat(candidate.get(2)).matches("0\\.\\d{6} vs 0\\.\\d{6}");
        assertThat(candidate.get(5)).matches("-?\\d+\\.\\d{2} \\(.+\\)");
        assertThat(text("race-summary")).contains("Last 100 trades", "Policy manual");
    }

    @Test
    @Order(3)
    void decisionsScoredAtVoteTimeShowTheirPredictionThenTheirActualReturnOnceClosed() {
        // given the model at step 120, and two decisions the committee just voted on (one id is markup)
        model.decide(2, MARKUP_DECISION);

        // when the dashboard opens
        browser.get("http://localhost:" + server.port() + "/");
        waitFor(() -> browser.findElements(By.cssSelector("#scores-table tr.pending")).size() == 2);

        // then the newest decisions first, predicted at vote time after step 120, actual pending
        List<WebElement> rows = browser.findElements(By.cssSelector("#scores-table tbody tr"));
        assertThat(rows).hasSize(15);
        List<String> open = cells(rows.get(1));
        assertThat(open.get(0)).isEqualTo(MARKUP_DECISION);
        assertThat(open.get(1)).isEqualTo("120");
        assertThat(open.get(2)).matches("[+-]?0\\.\\d{5}");
        assertThat(open.get(3)).matches("[+-]?\\d+\\.\\d{3} / [+-]?\\d+\\.\\d{3}");
        assertThat(open.get(4)).isEqualTo("pending");
        // the decisions trained before them show what they returned, and the step that learned it
        assertThat(cells(rows.get(2)).get(4)).matches("[+-]?\\d+\\.\\d{5} \\(step 120\\)");
        assertThat(browser.findElements(By.cssSelector("#scores-table b, #scores-table img"))).isEmpty();

        // when their trades close and the model trains on them, the page left open
        model.close(2);

        // then their actual returns appear in place
        waitFor(() -> browser.findElements(By.cssSelector("#scores-table tr.pending")).isEmpty());
        List<String> closed = cells(browser.findElements(By.cssSelector("#scores-table tbody tr")).get(1));
        assertThat(closed.get(0)).isEqualTo(MARKUP_DECISION);
        assertThat(closed.get(4)).matches("[+-]?\\d+\\.\\d{5} \\(step 121\\)");
        assertThat(js("return window.__xss === undefined")).isEqualTo(true);
    }

    private static List<String> cells(WebElement row) {
        return row.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
    }

    private static long points(String canvas, int dataset) {
        return (Long) js("return Chart.getChart('" + canvas + "').data.datasets[" + dataset + "].data.length");
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    /**
     * Waits for the page to show what the condition looks for. The dashboard refreshes every 2 s
     * (REFRESH_MS in dashboard.js); the bound is far above that, so a browser slowed by a busy
     * machine does not fail the test, while a page that never refreshes still does.
     */
    private static void waitFor(java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, Duration.ofSeconds(60)).until(b -> condition.getAsBoolean());
    }

    private static void saveScreenshot() throws Exception {
        Path target = Path.of("target", "dashboard.png");
        Files.createDirectories(target.getParent());
        Files.write(target, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    /** A real learner with its curve and alert monitor, as the training processor keeps them, trained in-process. */
    static final class TrainedModel implements LearnerView {
        /** A model id answered with a fresh learner's state. */
        static final String FRESH = "fresh";
        static final String CANDIDATE = "default~ridge";
        private final LearnerConfig config;
        private final Learner learner;
        private final LearningCurve curve = new LearningCurve(200);
        private final AlertMonitor alerts = new AlertMonitor(AlertConfig.defaults());
        private final RecentScores scores = new RecentScores(50);
        /** A shadow candidate learning the same trades, raced against the learner as the training processor does. */
        private final Learner candidate;
        private final ShadowRace race = new ShadowRace(100);
        private final PromotionPolicy policy = new PromotionPolicy("manual", 50, 0.01, 1000, false);
        /** Decided and scored, not closed yet: what {@link #close} trains on. */
        private final List<Trade> open = new ArrayList<>();

        TrainedModel(LearnerConfig config) {
            this.config = config;
            this.learner = Learner.create(config);
            this.candidate = Learner.create(LearnerSpec.parse("ridge").applyTo(config));
        }

        /** Each trade scored at vote time, then closed and trained on, as the training processor sees them. */
        synchronized void train(int count) {
            decide(count);
            close(count);
        }

        /** {@code count} decisions scored at vote time, left open; the first under {@code id} if given. */
        synchronized void decide(int count, String... ids) {
            for (int i = 0; i < count; i++) {
                Trade t = FeedbackJson.parse(trades.next());
                if (i < ids.length) t = new Trade(ids[i], t.symbol(), t.action(), t.entryPrice(), t.exitPrice(), t.votes());
                scores.add(t.decisionId(), learner.score(t.votes()));
                open.add(t);
            }
        }

        /** The {@code count} oldest open decisions close and train. */
        synchronized void close(int count) {
            for (int i = 0; i < count; i++) {
                Trade trade = open.remove(0);
                Metrics liveBefore = learner.metrics(), candidateBefore = candidate.metrics();
                StepResult step = learner.train(trade);
                StepResult shadow = candidate.train(trade);
                // the race takes each trade's committee P&L
                race.add(step.actualReturn(), new ShadowRace.Entrant("default", step.step(), step.predictedReturn(),
                                learner.metrics().committeePnlLearned() - liveBefore.committeePnlLearned()),
                        learner.metrics().committeePnlUniform() - liveBefore.committeePnlUniform(),
                        List.of(new ShadowRace.Entrant(CANDIDATE, shadow.step(), shadow.predictedReturn(),
                                candidate.metrics().committeePnlLearned() - candidateBefore.committeePnlLearned())));
                race.judge(policy, step.step(), false);
                curve.add(step);
                scores.settle(step.decisionId(), step.actualReturn(), step.step());
                alerts.onStep(step.step(), step.loss(), step.rollingR2(), step.agentWeights());
            }
        }

        synchronized int activeAlerts() {
            return alerts.active().size();
        }

        synchronized void checkpointFailed(String reason) {
            alerts.checkpointFailed(learner.step(), reason);
        }

        @Override
        public synchronized Optional<Status> status(String modelId) {
            if (modelId.equals(FRESH)) {
                return Optional.of(Statuses.of(modelId, Learner.create(config), new LearningCurve(200),
                        new AlertMonitor(AlertConfig.defaults())));
            }
            return Optional.of(Statuses.of(modelId, learner, curve, alerts, scores, Statuses.race(race, policy, alerts)));
        }

        @Override
        public synchronized VoteScore score(String modelId, Map<String, Vote> votes) {
            return (modelId.equals(FRESH) ? Learner.create(config) : learner).score(votes);
        }

        @Override
        public Map<String, Long> deadLetterCounts() {
            return Map.of("duplicate", 1L);
        }
    }
}
