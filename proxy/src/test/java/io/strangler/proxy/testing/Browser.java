package io.strangler.proxy.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Real headless Chromium driven through the Debian {@code chromium} and {@code chromium-driver} packages (which
 * {@code .ci/run} installs). Both binaries are named explicitly so that Selenium never tries to download a driver.
 */
public final class Browser implements AutoCloseable {

    private static final List<String> CHROMIUM = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser");
    private static final List<String> DRIVER = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

    private final ChromeDriver driver;

    private Browser(ChromeDriver driver) {
        this.driver = driver;
    }

    private static Path find(List<String> candidates, String what) {
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        throw new IllegalStateException(what + " not found at " + candidates + ": install it with "
                + "`apt-get install -y chromium chromium-driver` (bash .ci/run does this)");
    }

    public static Browser start(int width, int height) {
        Path chromium = find(CHROMIUM, "Chromium");
        Path chromedriver = find(DRIVER, "chromedriver");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--window-size=" + width + "," + height,
                "--force-device-scale-factor=1");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().build();
        return new Browser(new ChromeDriver(service, options));
    }

    public WebDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    public WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Waits up to 10 s for {@code condition} to give something other than null or false. */
    public <T> T await(Function<WebDriver, T> condition) {
        return await(Duration.ofSeconds(10), condition);
    }

    /** Waits up to {@code max} for {@code condition}: for what must happen within a bound (live updates). */
    public <T> T await(Duration max, Function<WebDriver, T> condition) {
        // The page re-renders live parts every second: an element found a moment ago may be gone; look again.
        WebDriverWait wait = new WebDriverWait(driver, max, Duration.ofMillis(50));
        wait.ignoring(StaleElementReferenceException.class);
        return wait.until(condition);
    }

    /** Clicks {@code childCss} inside the element matching {@code css} whose text contains {@code text}. */
    public void clickWithin(String css, String text, String childCss) {
        await(d -> {
            for (WebElement e : d.findElements(By.cssSelector(css))) {
                if (e.getText().contains(text)) {
                    e.findElement(By.cssSelector(childCss)).click();
                    return true;
                }
            }
            return null;
        });
    }

    /**
     * Clicks the first displayed element matching {@code css}, looking it up again if a re-render replaced it
     * between finding and clicking (a stale element is never clicked, so the click happens exactly once).
     */
    public void click(String css) {
        await(d -> {
            WebElement e = firstVisible(d, css);
            if (e == null) {
                return null;
            }
            e.click();
            return true;
        });
    }

    /** Waits for an element matching {@code css} that is displayed. */
    public WebElement awaitVisible(String css) {
        return await(d -> firstVisible(d, css));
    }

    private static WebElement firstVisible(WebDriver d, String css) {
        return d.findElements(By.cssSelector(css)).stream().filter(WebElement::isDisplayed).findFirst().orElse(null);
    }

    /** Waits until some element matching {@code css} has text containing {@code text}. */
    public WebElement awaitText(String css, String text) {
        return await(d -> d.findElements(By.cssSelector(css)).stream().filter(e -> e.getText().contains(text))
                .findFirst().orElse(null));
    }

    public Object script(String js) {
        return driver.executeScript(js);
    }

    /** Saves a PNG of the whole page (beyond the window) to {@code file}, creating its directory. */
    public void fullPageScreenshot(Path file) throws java.io.IOException {
        long width = (Long) script("return document.documentElement.clientWidth");
        long height = (Long) script("return Math.max(document.documentElement.scrollHeight, window.innerHeight)");
        Object data = driver.executeCdpCommand("Page.captureScreenshot", java.util.Map.of("format", "png",
                "captureBeyondViewport", true, "clip", java.util.Map.of("x", 0, "y", 0, "width", width,
                        "height", Math.min(height, 4000), "scale", 1))).get("data");
        Files.createDirectories(file.getParent());
        Files.write(file, java.util.Base64.getDecoder().decode((String) data));
    }

    /** Saves a PNG of the window to {@code file}, creating its directory. */
    public void screenshot(Path file) throws java.io.IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    @Override
    public void close() {
        driver.quit();
    }
}
