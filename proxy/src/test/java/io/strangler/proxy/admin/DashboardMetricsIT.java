package io.strangler.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.Fixtures;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the Grafana dashboard and the Prometheus alert rules query must be one the proxy exports: scrape a
 * live proxy's /metrics after traffic that exercises every path, and compare.
 */
class DashboardMetricsIT {

    private static final Path DASHBOARDS = Path.of("..", "dashboards");
    private static final Pattern METRIC = Pattern.compile("\\b((?:strangler|resilience4j)_[a-z0-9_]+)");

    @TempDir
    Path dir;

    @Test
    void shouldQueryOnlyMetricsTheProxyExports() throws Exception {
        Set<String> used = new TreeSet<>();
        for (Path file : new Path[] {DASHBOARDS.resolve("grafana/strangler.json"),
                DASHBOARDS.resolve("prometheus/alerts.yml")}) {
            Matcher m = METRIC.matcher(Files.readString(file));
            while (m.find()) {
                used.add(m.group(1));
            }
        }
        String scrape;
        try (TestUpstream legacy = Fixtures.json("{\"price\":10}");
             TestUpstream candidate = Fixtures.json("{\"price\":11}");
             TestUpstream failing = TestUpstream.respondingWith(500, "boom");
             ProxyUnderTest proxy = ProxyUnderTest.start("store: { url: \"jdbc:h2:file:" + dir.resolve("db")
                     + "\" }\nadmin: { port: 0 }\n"
                     + "upstreams:\n  legacy: { url: " + legacy.url() + " }\n  candidate: { url: " + candidate.url()
                     + " }\n  failing: { url: " + failing.url() + " }\n"
                     + "routes:\n"
                     + "  - { id: orders, match: { pathPrefix: /api/orders }, legacy: legacy, candidate: candidate,"
                     + " mode: shadow }\n"
                     + "  - { id: items, match: { pathPrefix: /api/items }, legacy: legacy, candidate: failing,"
                     + " mode: candidate, fallbackOn5xx: true }\n")) {
            proxy.get("/api/orders/1");
            proxy.get("/api/items/1");
            Fixtures.awaitTrue(() -> proxy.outcomes("orders", "diverged", "diverged") == 1);
            scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + proxy.proxy().adminPort().orElseThrow() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }

        assertThat(used).hasSizeGreaterThan(10);
        for (String metric : used) {
            assertThat(scrape).as("metric %s used by the dashboards", metric).contains("\n" + metric);
        }
    }
}
