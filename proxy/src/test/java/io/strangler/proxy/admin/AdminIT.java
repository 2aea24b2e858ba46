package io.strangler.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.Fixtures;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.RawHttp;
import io.strangler.proxy.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin listener through a real HTTP client: health, metrics, tokens, reports and divergences. */
class AdminIT {

    private static final String ONCALL = "oncall-token-0123456789abcdef";
    private static final String VIEWER = "viewer-token-0123456789abcdef";

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private boolean sampleWritten(int admin) {
        try {
            return get(admin, "/api/divergences", VIEWER).body().matches("(?s).*\"sampleId\" : \\d+.*");
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void shouldServeHealthMetricsAndTheReadApiToTokenHoldersOnly() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{\"id\":3,\"price\":24.99}");
             TestUpstream candidate = Fixtures.json("{\"id\":3,\"price\":24.5}");
             ProxyUnderTest proxy = ProxyUnderTest.start("store: { url: \"jdbc:h2:file:" + dir.resolve("db")
                     + "\", flushInterval: 100ms }\n"
                     + "admin: { host: 127.0.0.1, port: 0, tokens: [ { name: oncall, token: " + ONCALL + " },"
                     + " { name: viewer, token: " + VIEWER + ", readOnly: true } ] }\n"
                     + Fixtures.shadowConfig("orders", "shadow", legacy, candidate, ""))) {
            int admin = proxy.proxy().adminPort().orElseThrow();
            for (int i = 0; i < 3; i++) {
                proxy.get("/api/orders/" + i);
            }
            Fixtures.awaitTrue(() -> proxy.outcomes("orders", "diverged", "diverged") == 3);
            // Until both the outcomes and their differences are stored (the store counts one, then the other).
            Fixtures.flushUntil(proxy.proxy().store().orElseThrow(),
                    () -> get(admin, "/api/report", VIEWER).body().contains("\"diverged\" : 3")
                            && get(admin, "/api/divergences?route=orders&limit=10", VIEWER).body()
                            .contains("\"comparisons\" : 3"));
            // Samples are written by the store's own thread: wait until one is there.
            Fixtures.awaitTrue(() -> sampleWritten(admin));

            HttpResponse<String> health = get(admin, "/health", null);
            HttpResponse<String> metrics = get(admin, "/metrics", null);
            HttpResponse<String> noToken = get(admin, "/api/report", null);
            HttpResponse<String> wrongToken = get(admin, "/api/report", "not-a-token-at-all-0123456789");
            HttpResponse<String> report = get(admin, "/api/report", VIEWER);
            HttpResponse<String> html = get(admin, "/api/report?format=html&since=1h", ONCALL);
            HttpResponse<String> badFormat = get(admin, "/api/report?format=pdf", VIEWER);
            HttpResponse<String> divergences = get(admin, "/api/divergences?route=orders&limit=10", VIEWER);
            HttpResponse<String> routes = get(admin, "/api/routes", VIEWER);

            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\" : \"up\"", "\"store\" : \"reachable\"");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("strangler_shadow_outcomes_total{outcome=\"diverged\"");
            assertThat(noToken.statusCode()).isEqualTo(401);
            assertThat(noToken.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"strangler\"");
            assertThat(wrongToken.statusCode()).isEqualTo(401);
            assertThat(report.statusCode()).isEqualTo(200);
            assertThat(report.body()).contains("\"route\" : \"orders\"", "\"diverged\" : 3");
            assertThat(html.headers().firstValue("Content-Type")).hasValueSatisfying(
                    ct -> assertThat(ct).startsWith("text/html"));
            assertThat(html.body()).contains("<mark>");
            assertThat(badFormat.statusCode()).isEqualTo(400);
            assertThat(badFormat.body()).contains("format: 'pdf'");
            assertThat(routes.statusCode()).isEqualTo(200);
            assertThat(routes.body()).contains("\"route\" : \"orders\"", "\"mode\" : \"shadow\"", "\"served\" : 3",
                    "\"diverged\" : 3", "\"matchRate\" : 0.0", "\"circuit\" : \"closed\"");
            assertThat(divergences.statusCode()).isEqualTo(200);
            assertThat(divergences.body()).contains("\"path\" : \"$.price\"", "\"comparisons\" : 3", "\"firstSeen\" : ");
            String id = divergences.body().replaceAll("(?s).*\"sampleId\" : (\\d+).*", "$1");
            HttpResponse<String> sample = get(admin, "/api/divergences/" + id, VIEWER);
            assertThat(sample.statusCode()).isEqualTo(200);
            assertThat(sample.body()).contains("\"target\" : \"/api/orders/", "24.5");
            assertThat(get(admin, "/api/divergences/999999", VIEWER).statusCode()).isEqualTo(404);
            assertThat(get(admin, "/api/divergences/abc", VIEWER).statusCode()).isEqualTo(400);
            assertThat(get(admin, "/api/nothing-here", VIEWER).statusCode()).isEqualTo(404);
            assertThat(get(admin, "/elsewhere", null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void shouldRefuseWritesOversizedBodiesAndMalformedRequests() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{}");
             ProxyUnderTest proxy = ProxyUnderTest.start("admin: { port: 0, tokens: [ { name: oncall, token: "
                     + ONCALL + " } ] }\n"
                     + "upstreams: { legacy: { url: \"" + legacy.url() + "\" } }\n"
                     + "routes: [ { id: all, match: { pathPrefix: / }, legacy: legacy } ]\n")) {
            int admin = proxy.proxy().adminPort().orElseThrow();

            HttpResponse<String> post = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + admin + "/api/report"))
                    .header("Authorization", "Bearer " + ONCALL)
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> big = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + admin + "/api/report"))
                    .header("Authorization", "Bearer " + ONCALL)
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> noStore = get(admin, "/api/report", ONCALL);
            RawHttp.Response garbage;
            try (RawHttp raw = RawHttp.connect(admin)) {
                garbage = raw.send("THIS IS NOT HTTP\r\n\r\n").read();
            }

            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(big.statusCode()).isEqualTo(413);
            assertThat(noStore.statusCode()).isEqualTo(400);
            assertThat(noStore.body()).contains("no divergence store");
            assertThat(garbage.status()).isEqualTo(400);
        }
    }
}
