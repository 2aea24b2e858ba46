package io.strangler.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.Fixtures;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.TestUpstream;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the dashboard is served with: its files, who is signed in, the live event stream and the latency history. */
class DashboardServingIT {

    private static final String ONCALL = "oncall-token-0123456789abcdef";
    private static final String VIEWER = "viewer-token-0123456789abcdef";

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(int port, String path, String token, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static ProxyUnderTest proxy(TestUpstream legacy, TestUpstream candidate) {
        return ProxyUnderTest.start("admin: { port: 0, tokens: [ { name: oncall, token: " + ONCALL + " },"
                + " { name: viewer, token: " + VIEWER + ", readOnly: true } ] }\n"
                + Fixtures.shadowConfig("orders", "shadow", legacy, candidate, ""));
    }

    @Test
    void shouldServeTheDashboardFilesWithoutATokenAndWithAStrictPolicy() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{}");
             TestUpstream candidate = Fixtures.json("{}");
             ProxyUnderTest proxy = proxy(legacy, candidate)) {
            int admin = proxy.proxy().adminPort().orElseThrow();

            HttpResponse<String> root = get(admin, "/", null);
            HttpResponse<String> index = get(admin, "/dashboard/", null);
            HttpResponse<String> script = get(admin, "/dashboard/app.js", null);
            HttpResponse<String> again = get(admin, "/dashboard/app.js", null, "If-None-Match",
                    script.headers().firstValue("ETag").orElseThrow());
            HttpResponse<String> missing = get(admin, "/dashboard/../../etc/passwd", null);
            HttpResponse<String> unknown = get(admin, "/dashboard/nope.js", null);

            assertThat(root.statusCode()).isEqualTo(302);
            assertThat(root.headers().firstValue("Location")).hasValue("/dashboard/");
            assertThat(index.statusCode()).isEqualTo(200);
            assertThat(index.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(index.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                    assertThat(csp).contains("script-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe"));
            assertThat(index.headers().firstValue("X-Frame-Options")).hasValue("DENY");
            assertThat(index.body()).contains("<script type=\"module\" src=\"app.js\"></script>")
                    .doesNotContain("http://", "https://");
            assertThat(script.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
            assertThat(again.statusCode()).isEqualTo(304);
            assertThat(again.body()).isEmpty();
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(unknown.statusCode()).isEqualTo(404);
            for (String file : StaticAssets.FILES) {
                // Offline: no file refers to another host (no CDN, no web fonts).
                assertThat(get(admin, "/dashboard/" + file, null).body()).as(file)
                        .doesNotContainPattern("(src|href|url)\\s*[=(]\\s*[\"']?(https?:)?//");
            }
        }
    }

    @Test
    void shouldStreamLiveOverviewsAndTellWhoIsSignedIn() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{\"price\":1}");
             TestUpstream candidate = Fixtures.json("{\"price\":2}");
             ProxyUnderTest proxy = proxy(legacy, candidate)) {
            int admin = proxy.proxy().adminPort().orElseThrow();
            for (int i = 0; i < 4; i++) {
                proxy.get("/api/orders/1");
            }
            Fixtures.awaitTrue(() -> proxy.outcomes("orders", "diverged", "diverged") == 4);

            assertThat(get(admin, "/api/whoami", VIEWER).body()).contains("\"name\" : \"viewer\"",
                    "\"readOnly\" : true");
            assertThat(get(admin, "/api/whoami", null).statusCode()).isEqualTo(401);
            assertThat(get(admin, "/api/events", null).statusCode()).isEqualTo(401);
            assertThat(get(admin, "/api/latency?route=nope", VIEWER).statusCode()).isEqualTo(404);
            HttpResponse<String> latency = get(admin, "/api/latency", VIEWER);
            assertThat(latency.statusCode()).isEqualTo(200);
            assertThat(latency.body()).contains("\"stepSeconds\" : 10", "\"orders\" : [");

            // The stream: an overview at once and then about one a second, with the divergences counted.
            HttpResponse<InputStream> stream = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + admin + "/api/events"))
                    .header("Authorization", "Bearer " + VIEWER).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(ct ->
                    assertThat(ct).startsWith("text/event-stream"));
            List<String> overviews = new ArrayList<>();
            long started = System.nanoTime();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                String line;
                while (overviews.size() < 3 && (line = in.readLine()) != null) {
                    if (line.startsWith("data: ")) {
                        overviews.add(line.substring(6));
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            assertThat(overviews).hasSize(3);
            assertThat(seconds).as("three overviews within about two seconds").isLessThan(4);
            assertThat(overviews.get(2)).contains("\"route\":\"orders\"", "\"mode\":\"shadow\"", "\"diverged\":4",
                    "\"matchRate\":0.0", "\"circuit\":\"closed\"", "\"killSwitch\":false");
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void shouldAnnounceEveryToggleChangeOnTheStream() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{}");
             TestUpstream candidate = Fixtures.json("{}");
             ProxyUnderTest proxy = proxy(legacy, candidate)) {
            int admin = proxy.proxy().adminPort().orElseThrow();
            HttpResponse<InputStream> stream = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + admin + "/api/events"))
                    .header("Authorization", "Bearer " + VIEWER).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                // Wait for the stream to be live before flipping, so the flip is news to it.
                while (!in.readLine().startsWith("data: ")) {
                    // skip the retry hint
                }
                HttpResponse<String> flip = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + admin + "/api/kill-switch"))
                        .header("Authorization", "Bearer " + ONCALL)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"on\":true,\"reason\":\"incident 77\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(flip.statusCode()).isEqualTo(200);
                String line;
                String audit = null;
                boolean next = false;
                while (audit == null && (line = in.readLine()) != null) {
                    if (line.equals("event: audit")) {
                        next = true;
                    } else if (next && line.startsWith("data: ")) {
                        audit = line;
                    }
                }
                assertThat(audit).contains("\"actor\":\"oncall\"", "\"target\":\"kill-switch\"", "\"after\":\"on\"",
                        "\"reason\":\"incident 77\"");
            }
        }
    }
}
