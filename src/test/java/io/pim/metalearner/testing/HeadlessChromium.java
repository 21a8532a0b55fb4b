package io.pim.metalearner.testing;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's headless Chromium driven through its chromedriver, as the page tests open a page; a
 * test is skipped, saying why, on a machine without them ({@code .ci/run} installs them).
 */
public final class HeadlessChromium {
    private HeadlessChromium() {
    }

    /** A browser whose window is {@code width}×{@code height}; quit it when done. */
    public static ChromeDriver start(int width, int height) {
        Optional<Path> chromium = firstExisting("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
        Optional<Path> driver = firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        assumeTrue(chromium.isPresent() && driver.isPresent(),
                "skipped: no chromium and chromedriver found (apt-get install -y chromium chromium-driver)");
        ChromeOptions options = new ChromeOptions().setBinary(chromium.get().toFile()).addArguments(
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.get().toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static Optional<Path> firstExisting(String... candidates) {
        return Stream.of(candidates).map(Path::of).filter(p -> p.toFile().canExecute()).findFirst();
    }
}
