package io.strangler.proxy.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.Cli;
import io.strangler.proxy.testing.Fixtures;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recording live traffic through the real proxy: what lands in the capture files, switching it at run time (audited,
 * revertible), and what never stops traffic.
 */
class RecordIT {

    private static final String ONCALL = "oncall-token-0123456789abcdef";

    @TempDir
    Path dir;

    private final HttpClient admin = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> call(ProxyUnderTest proxy, String method, String path, String body)
            throws Exception {
        return admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.proxy().adminPort()
                .orElseThrow() + path)).timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + ONCALL)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String config(TestUpstream legacy, TestUpstream candidate, Path captureDir, String extra) {
        return "store: { url: \"jdbc:h2:mem:record-" + System.nanoTime() + "\","
                + " redact: { jsonPaths: [\"$.password\"], queryParams: [token] } }\n"
                + Fixtures.shadowConfig("orders", "shadow", legacy, candidate,
                "    record: { enabled: true, dir: \"" + captureDir + "\"" + extra + " }\n");
    }

    @Test
    void shouldRecordServedRequestsWithLegacysAnswerRedacted() throws Exception {
        List<CaptureRecord> back = new ArrayList<>();
        try (TestUpstream legacy = Fixtures.json("{\"id\":7,\"price\":24.99}");
             TestUpstream candidate = Fixtures.json("{\"id\":7,\"price\":24.5}")) {
            try (ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate, dir, ", maxBytes: 1KiB"))) {
                for (int i = 0; i < 3; i++) {
                    assertThat(proxy.get("/api/orders/" + i + "?token=t0p-s3cret").statusCode()).isEqualTo(200);
                }
                HttpResponse<String> post = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/orders"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"item\":3,\"password\":\"hunter2\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> big = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/orders"))
                        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(4096))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(post.statusCode()).isEqualTo(200);
                assertThat(big.statusCode()).isEqualTo(200);
                assertThat(proxy.proxy().meterRegistry().scrape())
                        .contains("strangler_capture_records_total{outcome=\"too_large\",route=\"orders\"} 1.0");
            }
            // Closing the proxy finished the file.
            CaptureReader.Summary s = CaptureReader.read(dir, back::add);
            assertThat(s.notes()).isEmpty();
        }

        assertThat(back).hasSize(4);
        assertThat(back).extracting(CaptureRecord::route).containsOnly("orders");
        CaptureRecord first = back.get(0);
        assertThat(first.method()).isEqualTo("GET");
        assertThat(first.target()).isEqualTo("/api/orders/0?token=[redacted]");
        assertThat(first.status()).isEqualTo(200);
        assertThat(new String(first.responseBody(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":7,\"price\":24.99}");
        assertThat(first.responseHeaders()).containsKey("content-type");
        assertThat(first.requestId()).isNotBlank();
        CaptureRecord post = back.get(3);
        assertThat(post.method()).isEqualTo("POST");
        assertThat(new String(post.requestBody(), StandardCharsets.UTF_8)).contains("\"password\":\"[redacted]\"");
    }

    @Test
    void shouldRecordWhatTheCandidateCouldNotTakeWhenAskedOnlyForThat() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        List<CaptureRecord> back = new ArrayList<>();
        try (TestUpstream legacy = Fixtures.json("{\"id\":7}")) {
            String yaml = "upstreams:\n  legacy: { url: " + legacy.url() + " }\n"
                    + "  candidate: { url: \"http://127.0.0.1:" + closedPort + "\" }\n"
                    + "routes:\n  - id: orders\n    match: { pathPrefix: /api/orders }\n    legacy: legacy\n"
                    + "    candidate: candidate\n    mode: shadow\n"
                    + "    circuitBreaker: { minimumCalls: 5, slidingWindowSize: 5 }\n"
                    + "    recordWhenCandidateUnavailable: true\n"
                    + "    record: { enabled: false, dir: \"" + dir + "\" }\n";
            try (ProxyUnderTest proxy = ProxyUnderTest.start(yaml)) {
                for (int i = 0; i < 20; i++) {
                    assertThat(proxy.get("/api/orders/" + i).body()).isEqualTo("{\"id\":7}");
                    Thread.sleep(20);
                }
                String metrics = proxy.proxy().meterRegistry().scrape();
                // Both ways the candidate can be unavailable happened: refused calls, then an open circuit.
                assertThat(metrics).contains("reason=\"candidate_refused\"", "reason=\"circuit_open\"");
            }
            CaptureReader.read(dir, back::add);
        }

        assertThat(back).hasSize(20);
        assertThat(back).extracting(CaptureRecord::reason).containsOnly("candidate_unavailable");
        assertThat(back).extracting(CaptureRecord::target).contains("/api/orders/0", "/api/orders/19");
    }

    @Test
    void shouldServeEveryRequestWhenTheCaptureDirectoryCannotBeWritten() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("occupied"), "a file where the directory should be");
        try (TestUpstream legacy = Fixtures.json("{\"id\":7}");
             TestUpstream candidate = Fixtures.json("{\"id\":7}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate, notADirectory, ""))) {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> res = proxy.get("/api/orders/" + i);
                statuses.add(res.statusCode());
                assertThat(res.body()).isEqualTo("{\"id\":7}");
            }
            Fixtures.awaitTrue(() -> proxy.proxy().meterRegistry().scrape()
                    .contains("strangler_capture_failed{route=\"orders\"} 1.0"));

            assertThat(statuses).containsOnly(200);
            assertThat(proxy.proxy().meterRegistry().scrape()).contains("strangler_capture_records_total{outcome=\""
                    + "written\",route=\"orders\"} 0.0");
        }
    }

    @Test
    void shouldStartAndStopRecordingAtRunTimeAuditedAndRevertible() throws Exception {
        Path captures = dir.resolve("captures");
        List<CaptureRecord> back = new ArrayList<>();
        try (TestUpstream legacy = Fixtures.json("{\"id\":7}");
             TestUpstream candidate = Fixtures.json("{\"id\":7}")) {
            String yaml = "store: { url: \"jdbc:h2:file:" + dir.resolve("db") + "\" }\n"
                    + "admin: { port: 0, tokens: [ { name: oncall, token: " + ONCALL + " } ] }\n"
                    + Fixtures.shadowConfig("orders", "shadow", legacy, candidate,
                    "    record: { enabled: false, dir: \"" + captures + "\" }\n");
            try (ProxyUnderTest proxy = ProxyUnderTest.start(yaml)) {
                String adminUrl = "http://127.0.0.1:" + proxy.proxy().adminPort().orElseThrow();
                proxy.get("/api/orders/1");
                HttpResponse<String> on = call(proxy, "PUT", "/api/toggles/orders/record",
                        "{\"on\":true,\"reason\":\"candidate redeploying\"}");
                proxy.get("/api/orders/2");
                proxy.get("/api/orders/3");
                Cli.Run off = Cli.run("toggle", "record", "orders", "--off", "--reason", "enough", "--admin",
                        adminUrl, "--token", ONCALL);
                proxy.get("/api/orders/4");
                // Switched off, the file is finished while the proxy runs on: a replay can read it whole now.
                List<CaptureRecord> sofar = new ArrayList<>();
                Fixtures.awaitTrue(() -> {
                    sofar.clear();
                    try {
                        return CaptureReader.read(captures, sofar::add).notes().isEmpty();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                assertThat(sofar).extracting(CaptureRecord::target).containsExactly("/api/orders/2", "/api/orders/3");
                Cli.Run revert = Cli.run("toggle", "revert", "last", "--reason", "need more", "--admin", adminUrl,
                        "--token", ONCALL);
                proxy.get("/api/orders/5");
                HttpResponse<String> toggles = call(proxy, "GET", "/api/toggles", null);
                HttpResponse<String> audit = call(proxy, "GET", "/api/audit?limit=3", null);
                // Bad input changes nothing.
                HttpResponse<String> noReason = call(proxy, "PUT", "/api/toggles/orders/record", "{\"on\":false}");
                HttpResponse<String> notBoolean = call(proxy, "PUT", "/api/toggles/orders/record",
                        "{\"on\":\"yes\",\"reason\":\"x\"}");
                HttpResponse<String> unknown = call(proxy, "PUT", "/api/toggles/nope/record",
                        "{\"on\":true,\"reason\":\"x\"}");
                HttpResponse<String> wrongMethod = call(proxy, "POST", "/api/toggles/orders/record",
                        "{\"on\":true,\"reason\":\"x\"}");

                assertThat(on.statusCode()).isEqualTo(200);
                assertThat(on.body()).contains("\"target\" : \"record:orders\"", "\"before\" : \"off\"",
                        "\"after\" : \"on\"");
                assertThat(off.code()).as(off.err()).isZero();
                assertThat(off.out()).contains("record:orders on -> off, reason: enough");
                assertThat(revert.code()).as(revert.err()).isZero();
                assertThat(revert.out()).contains("record:orders off -> on", "orders", "on");
                assertThat(toggles.body()).contains("\"recording\" : true");
                assertThat(audit.body()).contains("revert of #", "enough", "candidate redeploying");
                assertThat(noReason.statusCode()).isEqualTo(400);
                assertThat(noReason.body()).contains("reason");
                assertThat(notBoolean.statusCode()).isEqualTo(400);
                assertThat(notBoolean.body()).contains("on: expected true or false");
                assertThat(unknown.statusCode()).isEqualTo(404);
                assertThat(wrongMethod.statusCode()).isEqualTo(405);
                assertThat(proxy.proxy().toggles().recording("orders").on()).isTrue();
            }
            CaptureReader.read(captures, back::add);
        }

        // Exactly what was served while recording was on.
        assertThat(back).extracting(CaptureRecord::target).containsExactly("/api/orders/2", "/api/orders/3",
                "/api/orders/5");
    }

    @Test
    void shouldRecordAgainWhenTurnedOnAfterTheDirectoryIsFixed() throws Exception {
        Path captures = Files.writeString(dir.resolve("captures"), "a file where the directory should be");
        try (TestUpstream legacy = Fixtures.json("{\"id\":7}");
             TestUpstream candidate = Fixtures.json("{\"id\":7}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate, captures, ""))) {
            proxy.get("/api/orders/1");
            Fixtures.awaitTrue(() -> proxy.proxy().meterRegistry().scrape()
                    .contains("strangler_capture_failed{route=\"orders\"} 1.0"));
            Files.delete(captures);

            proxy.proxy().toggleService().record("oncall", "api", "orders", false, "disk fixed");
            proxy.proxy().toggleService().record("oncall", "api", "orders", true, "disk fixed");
            for (int i = 2; i <= 4; i++) {
                assertThat(proxy.get("/api/orders/" + i).statusCode()).isEqualTo(200);
            }

            Fixtures.awaitTrue(() -> proxy.proxy().meterRegistry().scrape()
                    .contains("strangler_capture_records_total{outcome=\"written\",route=\"orders\"} 3.0"));
            assertThat(proxy.proxy().meterRegistry().scrape())
                    .contains("strangler_capture_failed{route=\"orders\"} 0.0");
        }
    }
}
