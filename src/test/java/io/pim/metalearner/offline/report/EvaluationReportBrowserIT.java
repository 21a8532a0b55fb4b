package io.pim.metalearner.offline.report;

import io.pim.metalearner.cli.BacktestAndEvaluateTest;
import io.pim.metalearner.testing.HeadlessChromium;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static io.pim.metalearner.testing.CommandRun.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The evaluate report in headless Chromium, as a user opens it from disk: it renders, every chart
 * is drawn, the verdict is the first thing on the page, and names from the input are text.
 * Needs Debian's {@code chromium} and {@code chromium-driver} ({@code .ci/run} installs them).
 */
class EvaluationReportBrowserIT {
    @TempDir
    static Path dir;
    static ChromeDriver browser;

    @BeforeAll
    static void start() {
        browser = HeadlessChromium.start(1000, 1400);
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
    }

    @Test
    void theReportOnRealPricesRendersEveryChartAndSaysTheModelCannotPredict() throws Exception {
        // given the report of a backtest on the committed closes
        Path trades = dir.resolve("eu.jsonl"), report = dir.resolve("eu.html");
        assertThat(run("simulate", "--prices", BacktestAndEvaluateTest.EU_PRICES.toString(), "--out", trades.toString()).exitCode()).isZero();
        assertThat(run("evaluate", "--input", trades.toString(), "--report", report.toString()).exitCode()).isZero();

        // when it is opened
        browser.get(report.toUri().toString());

        // then the verdict comes first and says it in words
        WebElement verdict = browser.findElement(By.id("verdict"));
        assertThat(verdict.getText()).contains("The model cannot predict these returns", "expected result");
        assertThat(verdict.getLocation().getY()).isLessThan(browser.findElement(By.id("chart-pnl")).getLocation().getY());
        // and every chart is drawn, with its lines or dots on screen
        List<String> charts = browser.findElements(By.cssSelector("svg.chart")).stream().map(e -> e.getAttribute("id")).toList();
        assertThat(charts).containsExactly("chart-pnl", "chart-gated", "chart-loss", "chart-r2", "chart-calibration", "chart-weights");
        for (String id : List.of("chart-pnl", "chart-gated", "chart-loss", "chart-r2", "chart-weights")) {
            assertThat(browser.findElements(By.cssSelector("#" + id + " polyline.series"))).as(id).isNotEmpty();
            assertThat(js("return document.querySelector('#" + id + " polyline.series').getBBox().width")).as(id)
                    .satisfies(w -> assertThat(((Number) w).doubleValue()).isGreaterThan(100));
        }
        assertThat(browser.findElements(By.cssSelector("#chart-calibration circle.bin"))).hasSize(10);
        assertThat(browser.findElements(By.cssSelector("#chart-weights polyline.series")).stream()
                .map(e -> e.getAttribute("data-series")).distinct()).hasSize(9);
        assertThat(browser.findElements(By.cssSelector("#gates tr"))).hasSize(1 + EvaluationReport.THRESHOLDS.length);
        assertThat(browser.findElements(By.cssSelector("#agents tr"))).hasSize(1 + 9);
        assertThat(browser.findElement(By.id("summary-json")).getText()).contains("\"fingerprint\"");
        screenshot("evaluation-report.png");
    }

    @Test
    void namesFromTheInputAreShownAsTextNotRunAsMarkup() {
        // given the report of trades whose agents are named in markup
        Path trades = dir.resolve("hostile.jsonl"), report = dir.resolve("hostile.html");
        String roster = String.join(",", BacktestAndEvaluateTest.HOSTILE);
        assertThat(run("simulate", "--trades", "300", "--agents", roster, "--out", trades.toString()).exitCode()).isZero();
        assertThat(run("evaluate", "--input", trades.toString(), "--agents", roster, "--report", report.toString()).exitCode()).isZero();

        // when it is opened
        browser.get(report.toUri().toString());

        // then each name is in the agents table and the legend as the text it is, and nothing ran
        List<String> names = browser.findElements(By.cssSelector("#agents tr td:first-child")).stream().map(WebElement::getText).toList();
        assertThat(names).containsExactlyElementsOf(BacktestAndEvaluateTest.HOSTILE);
        assertThat(browser.findElements(By.cssSelector("#chart-weights .legend text")).stream().map(WebElement::getText).toList())
                .containsExactlyElementsOf(BacktestAndEvaluateTest.HOSTILE);
        assertThat(browser.findElements(By.cssSelector("img, script"))).isEmpty();
        assertThat(js("return window.__xss === undefined")).isEqualTo(true);
    }

    private static Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private static void screenshot(String name) throws Exception {
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        Files.write(target, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    private static Optional<Path> firstExisting(String... candidates) {
        return Stream.of(candidates).map(Path::of).filter(p -> p.toFile().canExecute()).findFirst();
    }
}
