package io.strangler.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.Browser;
import io.strangler.proxy.testing.Fixtures;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.TestUpstream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The web dashboard in real headless Chromium against a running proxy with traffic: sign in, live routes, a flip
 * to pilot with a reason (audited, and the next pilot request goes to the candidate), the kill switch and its
 * revert, a divergence sample whose body holds markup (shown as text, never run), and a read-only token that sees
 * no write controls. Screenshots go to target/screenshots.
 */
class DashboardBrowserIT {

    private static final String ONCALL = "oncall-token-0123456789abcdef";
    private static final String VIEWER = "viewer-token-0123456789abcdef";
    /** Legacy's answer carries markup in a field: the dashboard must show it as text. */
    private static final String HOSTILE = "<script>window.__pwned=1</script><img src=x onerror=\\\"window.__pwned=2\\\">";

    /** Live parts of the page must follow the proxy within 2 s; 3 s leaves room for a loaded CI machine. */
    private static final java.time.Duration LIVE = java.time.Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private final Path shots = Path.of("target", "screenshots");

    private static String servedBy(ProxyUnderTest proxy, String user) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/orders/7")).header("X-User-Id", user)
                .build(), HttpResponse.BodyHandlers.ofString()).headers().firstValue("X-Strangler-Served-By")
                .orElseThrow();
    }

    private static void confirmWith(Browser b, String reason) {
        b.awaitVisible("#confirm");
        WebElement ok = b.find("#confirm-ok");
        ok.click();
        // An empty reason is refused in the dialog, which stays open.
        b.awaitText("#confirm-error", "reason");
        b.find("#confirm-reason").sendKeys(reason);
        ok.click();
        b.await(d -> !b.find("#confirm").isDisplayed());
    }

    private static void signIn(Browser b, String url, String token) {
        b.open(url);
        b.awaitVisible("#token").sendKeys(token);
        b.find("#login-submit").click();
    }

    @Test
    void shouldRunTheDashboardInARealBrowser() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{\"id\":7,\"price\":24.99,\"note\":\"" + HOSTILE + "\"}");
             TestUpstream candidate = Fixtures.json("{\"id\":7,\"price\":24.5,\"note\":\"" + HOSTILE + "\"}");
             ProxyUnderTest proxy = ProxyUnderTest.start("store: { url: \"jdbc:h2:file:" + dir.resolve("db")
                     + "\", flushInterval: 100ms }\n"
                     + "admin: { port: 0, tokens: [ { name: oncall, token: " + ONCALL + " },"
                     + " { name: viewer, token: " + VIEWER + ", readOnly: true } ] }\n"
                     + Fixtures.shadowConfig("orders", "shadow", legacy, candidate,
                     "    pilot: { userFrom: \"header:X-User-Id\" }\n"
                     + "    record: { enabled: false, dir: \"" + dir.resolve("captures") + "\" }\n"));
             Browser b = Browser.start(1440, 1000)) {
            String dashboard = "http://127.0.0.1:" + proxy.proxy().adminPort().orElseThrow() + "/dashboard/";
            for (int i = 0; i < 5; i++) {
                proxy.get("/api/orders/7");
            }
            Fixtures.awaitTrue(() -> proxy.outcomes("orders", "diverged", "diverged") == 5);

            // Sign in: a wrong token is refused on the page, the right one opens the overview.
            signIn(b, dashboard, "not-a-real-token-0123456789");
            b.awaitText("#login-error", "not accepted");
            b.find("#token").clear();
            b.find("#token").sendKeys(ONCALL);
            b.find("#login-submit").click();
            // The table is re-rendered every second, so the row is read through await, which finds it again
            // (a row element held across a re-render is stale).
            b.awaitVisible("#routes-body tr[data-route=orders]");
            b.await(d -> {
                String row = b.find("#routes-body tr[data-route=orders]").getText();
                return row.contains("orders") && row.contains("shadow");
            });
            b.awaitText("#routes-body tr[data-route=orders] td.diverged", "5");
            assertThat(b.find("#who").getText()).isEqualTo("oncall");
            assertThat(b.find("#login").isDisplayed()).isFalse();
            assertThat(b.script("return sessionStorage.length")).isEqualTo(1L);
            assertThat(b.driver().manage().getCookies()).isEmpty();

            // Live: new divergences show up without a reload, within the promised two seconds (plus slack).
            for (int i = 0; i < 3; i++) {
                proxy.get("/api/orders/7");
            }
            Fixtures.awaitTrue(() -> proxy.outcomes("orders", "diverged", "diverged") == 8);
            b.await(LIVE, d -> b.find("#routes-body tr[data-route=orders] td.diverged").getText().equals("8"));
            b.screenshot(shots.resolve("overview.png"));

            // Flip to pilot for alice, with a reason; it is audited, announced and takes effect.
            b.find("#nav a[data-view=toggles]").click();
            WebElement toggleRow = b.awaitVisible("#toggle-routes tr[data-route=orders]");
            new Select(toggleRow.findElement(By.cssSelector("select.mode-select"))).selectByValue("pilot");
            toggleRow.findElement(By.cssSelector("input.users-input")).sendKeys("alice");
            toggleRow.findElement(By.cssSelector("button.apply")).click();
            assertThat(b.find("#confirm-summary").getText()).contains("shadow → pilot", "alice");
            confirmWith(b, "dark launch to alice");
            b.awaitText("#audit tbody tr", "dark launch to alice");
            b.awaitText("#toasts .toast", "orders: shadow → pilot");
            assertThat(servedBy(proxy, "alice")).isEqualTo("candidate");
            assertThat(servedBy(proxy, "bob")).isEqualTo("legacy");
            b.screenshot(shots.resolve("toggles.png"));

            // The kill switch sends everything back to legacy; the banner says so; revert turns it off again.
            b.click("#kill-on");
            confirmWith(b, "incident 1234");
            b.awaitText("#kill-state", "ON");
            b.await(LIVE, d -> b.find("#kill-banner").isDisplayed());
            assertThat(servedBy(proxy, "alice")).isEqualTo("legacy");
            b.screenshot(shots.resolve("kill-switch.png"));
            b.clickWithin("#audit tbody tr", "incident 1234", "button.revert");
            confirmWith(b, "incident over");
            b.awaitText("#kill-state", "off");
            b.await(LIVE, d -> !b.find("#kill-banner").isDisplayed());
            assertThat(servedBy(proxy, "alice")).isEqualTo("candidate");

            // Recording is switched on the same page, with a reason; it is audited and takes effect. The revert
            // above reloads the table (more than once: its answer and its audit event), so the button is found
            // again at the moment of the click.
            b.click("#toggle-routes tr[data-route=orders] button.record");
            assertThat(b.find("#confirm-summary").getText()).contains("capture files");
            confirmWith(b, "candidate redeploys tonight");
            b.awaitText("#toggle-routes tr[data-route=orders] .recording", "on");
            b.awaitText("#audit tbody tr", "record:orders");
            assertThat(proxy.proxy().toggles().recording("orders").on()).isTrue();
            // ...and the overview says so, live.
            b.find("#nav a[data-view=overview]").click();
            b.await(LIVE, d -> b.find("#routes-body tr[data-route=orders]").getText().contains("recording"));

            // Divergences: grouped, with a sample side by side; the markup in the body stays text.
            proxy.proxy().store().orElseThrow().flushNow();
            b.find("#nav a[data-view=divergences]").click();
            WebElement price = b.await(d -> {
                d.navigate().refresh();
                return d.findElements(By.cssSelector("#differences tr[data-path='$.price']")).stream().findFirst()
                        .orElse(null);
            });
            assertThat(price.getText()).contains("orders", "value");
            b.screenshot(shots.resolve("divergences.png"));
            price.findElement(By.cssSelector("a.sample-link")).click();
            b.awaitVisible(".side.legacy pre.body");
            assertThat(b.find(".side.legacy mark.diff").getText()).contains("24.99");
            assertThat(b.find(".side.candidate mark.diff").getText()).contains("24.5");
            assertThat(b.find(".side.legacy pre.body").getText()).contains("<script>window.__pwned=1</script>");
            assertThat(b.all(".side img")).isEmpty();
            assertThat(b.all("main script")).isEmpty();
            assertThat(b.script("return window.__pwned === undefined")).isEqualTo(true);
            b.screenshot(shots.resolve("sample.png"));

            // A read-only token sees the same pages without a single write control.
            b.find("#sign-out").click();
            b.awaitVisible("#token").sendKeys(VIEWER);
            b.find("#login-submit").click();
            b.awaitText("#who", "read-only");
            b.open(dashboard + "#/toggles");
            b.awaitVisible("#toggle-routes tr[data-route=orders]");
            b.awaitVisible("#audit");
            assertThat(b.all("button.apply")).isEmpty();
            assertThat(b.all("button.revert")).isEmpty();
            assertThat(b.all("#kill-on, #kill-off")).isEmpty();
            assertThat(b.all("select.mode-select")).isEmpty();
            assertThat(b.all("button.record")).isEmpty();
            assertThat(b.find("#toggle-routes tr[data-route=orders] .recording").getText()).isEqualTo("on");
        }
    }
}
