package io.strangler.proxy.cli;

import io.strangler.proxy.demo.DemoTraffic;
import io.strangler.proxy.testing.Browser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * Takes the screenshots in docs/images: the demo with its traffic, a pilot flip made through the dashboard, and
 * every page once there is some history to show. Not a test; run it when the dashboard changes:
 *
 * <pre>
 * mvn -B -ntp -pl proxy -am install -DskipTests
 * mvn -B -ntp -pl proxy test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.strangler.proxy.cli.DashboardTour -Dexec.args="docs/images 150"
 * </pre>
 */
public final class DashboardTour {

    private DashboardTour() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "target/tour");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        Path store = Files.createTempDirectory("strangler-tour");
        try (DemoCommand.Demo demo = DemoCommand.start("127.0.0.1", 0, 600_000, "jdbc:h2:file:" + store.resolve("db"));
             DemoTraffic traffic = DemoTraffic.start("http://127.0.0.1:" + demo.proxy().port(), 25, 150);
             Browser b = Browser.start(1440, 1000)) {
            String dashboard = "http://127.0.0.1:" + demo.proxy().adminPort().orElseThrow() + "/dashboard/";
            b.open(dashboard);
            b.awaitVisible("#token");
            shoot(b, out.resolve("login.png"));
            b.find("#token").sendKeys(DemoCommand.DEMO_TOKEN);
            b.find("#login-submit").click();
            b.awaitVisible("#routes-body tr[data-route=items]");
            Thread.sleep(seconds * 500L);

            // Half-way, dark-launch orders to alice through the Toggles page.
            b.find("#nav a[data-view=toggles]").click();
            WebElement row = b.awaitVisible("#toggle-routes tr[data-route=orders]");
            new Select(row.findElement(By.cssSelector("select.mode-select"))).selectByValue("pilot");
            row.findElement(By.cssSelector("input.users-input")).clear();
            row.findElement(By.cssSelector("input.users-input")).sendKeys("alice");
            row.findElement(By.cssSelector("button.apply")).click();
            b.awaitVisible("#confirm");
            b.find("#confirm-reason").sendKeys("dark launch of the new orders service to alice (CHG-1042)");
            shoot(b, out.resolve("toggle-confirm.png"));
            b.find("#confirm-ok").click();
            b.awaitText("#audit tbody tr", "CHG-1042");
            b.awaitText("#toasts .toast", "pilot");
            shoot(b, out.resolve("toggles.png"));
            Thread.sleep(seconds * 500L);

            b.find("#nav a[data-view=overview]").click();
            b.awaitVisible("#charts svg.chart");
            Thread.sleep(1500);
            shoot(b, out.resolve("overview.png"));
            b.find("#nav a[data-view=divergences]").click();
            b.awaitVisible("#differences tbody tr");
            shoot(b, out.resolve("divergences.png"));
            b.clickWithin("#differences tbody tr", "$.price", "a.sample-link");
            b.awaitVisible(".side.legacy pre.body");
            shoot(b, out.resolve("sample.png"));
            System.out.println("screenshots in " + out.toAbsolutePath() + "; demo traffic sent: " + traffic.sent());
        }
    }

    private static void shoot(Browser b, Path file) throws Exception {
        Thread.sleep(300);
        b.fullPageScreenshot(file);
    }
}
