package io.strangler.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpResponse;
import io.strangler.comparator.Comparison;
import io.strangler.comparator.DifferenceKind;
import io.strangler.proxy.config.BackgroundCpu;
import io.strangler.proxy.shadow.ShadowOutcome;
import io.strangler.proxy.shadow.ShadowResult;
import io.strangler.proxy.testing.Fixtures;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.ShadowResults;
import io.strangler.proxy.testing.TestUpstream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Shadow mode end to end: real legacy and candidate servers, the real proxy, a real client. */
class ShadowIT {

    private final ShadowResults results = new ShadowResults();

    static TestUpstream json(String body) {
        return Fixtures.json(body);
    }

    static FullHttpResponse jsonResponse(String body) {
        return Fixtures.jsonResponse(body);
    }

    static String config(TestUpstream legacy, TestUpstream candidate, String routeExtra) {
        return config("orders", "shadow", legacy, candidate, routeExtra);
    }

    static String config(String id, String mode, TestUpstream legacy, TestUpstream candidate, String routeExtra) {
        return Fixtures.shadowConfig(id, mode, legacy, candidate, routeExtra);
    }

    @Test
    void shouldServeLegacyAndSendACopyMarkedAsShadowWithTheSameRequestId() throws Exception {
        try (TestUpstream legacy = json("{\"id\":7,\"price\":10}");
             TestUpstream candidate = json("{\"id\":7,\"price\":10}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate, ""), results)) {

            HttpResponse<String> res = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/orders/7?x=1"))
                    .header("X-Request-Id", "trace-42").build(), HttpResponse.BodyHandlers.ofString());
            ShadowResult result = results.next();

            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.body()).isEqualTo("{\"id\":7,\"price\":10}");
            assertThat(res.headers().firstValue("X-Strangler-Served-By")).hasValue("legacy");
            assertThat(legacy.requests()).hasSize(1);
            assertThat(legacy.requests().get(0).header("x-strangler-shadow")).isNull();
            assertThat(candidate.requests()).hasSize(1);
            TestUpstream.Recorded copy = candidate.requests().get(0);
            assertThat(copy.uri()).isEqualTo("/api/orders/7?x=1");
            assertThat(copy.header("x-strangler-shadow")).isEqualTo("true");
            assertThat(copy.header("x-request-id")).isEqualTo("trace-42");
            assertThat(copy.header("host")).isEqualTo("127.0.0.1:" + candidate.port());
            assertThat(result.outcome()).isEqualTo(ShadowOutcome.MATCHED);
            assertThat(result.requestId()).isEqualTo("trace-42");
            assertThat(result.request().path()).isEqualTo("/api/orders/7");
            assertThat(result.comparison().orElseThrow().endpoint()).isEqualTo("/api/orders/{id}");
            assertThat(proxy.outcomes("orders", "matched", "matched")).isEqualTo(1);
        }
    }

    @Test
    void shouldReportADivergenceWithTheDifferingField() throws Exception {
        try (TestUpstream legacy = json("{\"id\":3,\"price\":24.99}");
             TestUpstream candidate = json("{\"id\":3,\"price\":24.5}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate, ""), results)) {

            HttpResponse<String> res = proxy.get("/api/orders/3");
            ShadowResult result = results.next();

            assertThat(res.body()).isEqualTo("{\"id\":3,\"price\":24.99}");
            assertThat(result.outcome()).isEqualTo(ShadowOutcome.DIVERGED);
            // Content-Length differs too, but it is framing: only the field that differs is reported.
            assertThat(result.comparison().orElseThrow().differences()).extracting(d -> d.path())
                    .containsExactly("$.price");
            assertThat(result.comparison().orElseThrow().differences()).filteredOn(d -> d.path().equals("$.price"))
                    .singleElement().satisfies(d -> {
                assertThat(d.kind()).isEqualTo(DifferenceKind.VALUE);
                assertThat(d.path()).isEqualTo("$.price");
                assertThat(d.legacy()).isEqualTo("24.99");
                assertThat(d.candidate()).isEqualTo("24.5");
            });
            assertThat(result.served().orElseThrow().duration()).isPositive();
            assertThat(proxy.outcomes("orders", "diverged", "diverged")).isEqualTo(1);
            // The shadow side's threads run only on CPU time served traffic leaves (see BackgroundThreads): the
            // shadow loop, the compare thread and the store writer at least.
            assertThat(proxy.proxy().backgroundThreads().effective()).isEqualTo(BackgroundCpu.IDLE);
            assertThat(proxy.proxy().backgroundThreads().lowered()).isGreaterThanOrEqualTo(2);
            // And they ask for less CPU in Java terms too, which is what is left where the kernel policy cannot change.
            java.util.Map<String, Integer> priorities = new java.util.TreeMap<>();
            Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("strangler-"))
                    .forEach(t -> priorities.put(t.getName().replaceAll("-\\d+", ""), t.getPriority()));
            assertThat(priorities).containsEntry("strangler-shadow", Thread.MIN_PRIORITY)
                    .containsEntry("strangler-compare", Thread.MIN_PRIORITY)
                    .containsEntry("strangler-io", Thread.NORM_PRIORITY);
        }
    }

    @Test
    void shouldCompareWhenLegacyAnswersAfterTheCandidate() throws Exception {
        // Legacy answers 300 ms after the candidate: the served side reports last, on a thread serving clients, and
        // the exchange goes on on the shadow loop. Both a small and a large (over the inline limit) pair.
        String big = "{\"items\":\"" + "x".repeat(20_000) + "\"}";
        try (TestUpstream legacy = TestUpstream.http((ctx, req) -> {
                 String body = req.uri().endsWith("big") ? big : "{\"id\":5,\"price\":1}";
                 FullHttpResponse res = Fixtures.jsonResponse(body);
                 ctx.executor().schedule(() -> ctx.writeAndFlush(res), 300, java.util.concurrent.TimeUnit.MILLISECONDS);
             });
             TestUpstream candidate = TestUpstream.http((ctx, req) -> ctx.writeAndFlush(Fixtures.jsonResponse(
                     req.uri().endsWith("big") ? big : "{\"id\":5,\"price\":2}")));
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate, ""), results)) {

            assertThat(proxy.get("/api/orders/5").statusCode()).isEqualTo(200);
            ShadowResult small = results.next();
            assertThat(proxy.get("/api/orders/5/big").statusCode()).isEqualTo(200);
            ShadowResult large = results.next();

            assertThat(small.outcome()).isEqualTo(ShadowOutcome.DIVERGED);
            assertThat(small.comparison().orElseThrow().differences()).extracting(d -> d.path())
                    .containsExactly("$.price");
            assertThat(small.served().orElseThrow().duration()).isGreaterThan(small.shadow().orElseThrow().duration());
            assertThat(large.outcome()).isEqualTo(ShadowOutcome.MATCHED);
        }
    }

    @Test
    void shouldGroupPathsIntoEndpointsWithTheConfiguredIdPatterns() throws Exception {
        try (TestUpstream legacy = json("{}");
             TestUpstream candidate = json("{}");
             ProxyUnderTest proxy = ProxyUnderTest.start("comparison: { endpointIdPatterns: [\"SKU-[0-9]+\"] }\n"
                     + config(legacy, candidate, ""), results)) {

            proxy.get("/api/orders/SKU-42/lines/7");

            assertThat(results.next().comparison().orElseThrow().endpoint()).isEqualTo("/api/orders/{id}/lines/{id}");
        }
    }

    @Test
    void shouldApplyTheRoutesCompareRules() throws Exception {
        try (TestUpstream legacy = json("{\"id\":3,\"at\":\"2026-01-01T00:00:00Z\",\"tags\":[\"a\",\"b\"]}");
             TestUpstream candidate = json("{\"id\":3,\"at\":\"2026-11-11T11:11:11Z\",\"tags\":[\"b\",\"a\"]}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate,
                     "    compare: { ignorePaths: [\"$.at\"], unorderedArrays: [\"$.tags\"] }\n"), results)) {

            proxy.get("/api/orders/3");
            ShadowResult result = results.next();

            assertThat(result.outcome()).isEqualTo(ShadowOutcome.MATCHED);
            assertThat(result.reason()).isEqualTo("ignored");
            assertThat(result.comparison().orElseThrow().ruleHits()).containsKey("ignorePaths:$.at");
        }
    }

    @Test
    void shouldLearnFromASecondaryLegacyCallThatAFieldLegacyNeverRepeatsIsNoise() throws Exception {
        AtomicInteger nonce = new AtomicInteger();
        try (TestUpstream legacy = TestUpstream.http((ctx, req) -> ctx.writeAndFlush(jsonResponse(
                     "{\"price\":10,\"nonce\":" + nonce.incrementAndGet() + "}")));
             TestUpstream candidate = TestUpstream.http((ctx, req) -> ctx.writeAndFlush(jsonResponse(
                     "{\"price\":11,\"nonce\":" + (1_000_000 + nonce.incrementAndGet()) + "}")));
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate,
                     "    compare: { noise: { secondary: legacy } }\n"), results)) {

            ShadowResult last = null;
            for (int i = 0; i < 25; i++) {
                proxy.get("/api/orders/" + i);
                last = results.next();
            }

            assertThat(legacy.requests()).hasSize(50);
            assertThat(legacy.requests()).filteredOn(r -> "true".equals(r.header("x-strangler-shadow"))).hasSize(25);
            Comparison c = last.comparison().orElseThrow();
            assertThat(c.differences()).extracting(d -> d.path()).contains("$.price").doesNotContain("$.nonce");
            assertThat(c.ignored()).extracting(d -> d.path()).contains("$.nonce");
            assertThat(c.ruleHits()).containsKey("noise:$.nonce");
        }
    }

    @Test
    void shouldNeverSendAPostToTheCandidateUnlessTheRouteListsIt() throws Exception {
        try (TestUpstream legacy = json("{\"ok\":true}");
             TestUpstream candidate = json("{\"ok\":true}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate, ""), results)) {

            HttpResponse<String> post = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/orders"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"item\":1}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            proxy.get("/api/orders/1");
            results.next();

            assertThat(post.statusCode()).isEqualTo(200);
            assertThat(legacy.requests()).extracting(TestUpstream.Recorded::method).containsExactly("POST", "GET");
            assertThat(candidate.requests()).extracting(TestUpstream.Recorded::method).containsExactly("GET");
            assertThat(proxy.outcomes("orders", "skipped", "method_not_shadowed")).isEqualTo(1);
        }
    }

    @Test
    void shouldShadowAPostWithItsBodyWhenTheRouteListsIt() throws Exception {
        try (TestUpstream legacy = json("{\"ok\":true}");
             TestUpstream candidate = json("{\"ok\":true}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate,
                     "    shadow: { methods: [GET, POST] }\n"), results)) {

            proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/orders"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"item\":1}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            ShadowResult result = results.next();

            assertThat(result.outcome()).isEqualTo(ShadowOutcome.MATCHED);
            assertThat(candidate.requests()).singleElement().satisfies(r -> {
                assertThat(r.method()).isEqualTo("POST");
                assertThat(r.bodyText()).isEqualTo("{\"item\":1}");
            });
        }
    }

    @Test
    void shouldSkipRequestsLeftOutBySampling() throws Exception {
        try (TestUpstream legacy = json("{}");
             TestUpstream candidate = json("{}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate,
                     "    shadow: { sampleRate: 0 }\n"), results)) {

            for (int i = 0; i < 5; i++) {
                assertThat(proxy.get("/api/orders/" + i).statusCode()).isEqualTo(200);
            }

            assertThat(proxy.outcomes("orders", "skipped", "not_sampled")).isEqualTo(5);
            assertThat(candidate.requests()).isEmpty();
        }
    }

    @Test
    void shouldSkipWithBodyTooLargeWhenTheRequestOrTheServedResponseIsOverTheLimit() throws Exception {
        try (TestUpstream legacy = TestUpstream.http((ctx, req) -> ctx.writeAndFlush(TestUpstream.response(req, 200,
                     req.uri().endsWith("big") ? "x".repeat(200) : "small")));
             TestUpstream candidate = TestUpstream.respondingWith(200, "small");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate,
                     "    shadow: { methods: [GET, POST], maxBodyBytes: 100 }\n"), results)) {

            HttpResponse<String> bigRequest = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/orders"))
                    .POST(HttpRequest.BodyPublishers.ofString("y".repeat(101))).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> bigResponse = proxy.get("/api/orders/big");

            assertThat(bigRequest.body()).isEqualTo("small");
            assertThat(bigResponse.body()).hasSize(200);
            awaitCount(proxy, "skipped", "body_too_large", 2);
            assertThat(candidate.requests()).extracting(TestUpstream.Recorded::uri).containsExactly("/api/orders/big");
        }
    }

    @Test
    void shouldOpenTheCircuitWhenTheCandidateKeepsFailingAndStopSendingToIt() throws Exception {
        try (TestUpstream legacy = json("{}");
             TestUpstream candidate = TestUpstream.respondingWith(500, "boom");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate,
                     "    circuitBreaker: { slidingWindowSize: 4, minimumCalls: 4, failureRateThreshold: 50, "
                             + "waitInOpenState: 1h }\n"), results)) {

            for (int i = 0; i < 4; i++) {
                proxy.get("/api/orders/" + i);
                results.next();
            }
            for (int i = 0; i < 6; i++) {
                assertThat(proxy.get("/api/orders/" + i).statusCode()).isEqualTo(200);
            }

            assertThat(candidate.requests()).hasSize(4);
            assertThat(proxy.outcomes("orders", "diverged", "diverged")).isEqualTo(4);
            assertThat(proxy.outcomes("orders", "skipped", "circuit_open")).isEqualTo(6);
            assertThat(proxy.proxy().meterRegistry().scrape())
                    .contains("resilience4j_circuitbreaker_state{name=\"orders\",state=\"open\"} 1.0");
        }
    }

    @Test
    void shouldSkipWithBulkheadFullOnceMaxConcurrentShadowCallsAreInFlight() throws Exception {
        try (TestUpstream legacy = json("{}");
             TestUpstream candidate = TestUpstream.raw((ch, head) -> { });
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate,
                     "    shadow: { maxConcurrent: 2, timeout: 30s }\n"), results)) {

            for (int i = 0; i < 5; i++) {
                assertThat(proxy.get("/api/orders/" + i).statusCode()).isEqualTo(200);
            }

            assertThat(proxy.outcomes("orders", "skipped", "bulkhead_full")).isEqualTo(3);
            awaitTrue(() -> candidate.connectionsAccepted() == 2);
            assertThat(candidate.openConnections()).isEqualTo(2);
            assertThat(proxy.proxy().meterRegistry().scrape())
                    .contains("strangler_shadow_inflight{route=\"orders\"} 2.0");
        }
    }

    @Test
    void shouldRecordServedLatencyPerRouteAndUpstream() throws Exception {
        try (TestUpstream legacy = json("{}");
             TestUpstream candidate = json("{}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate, ""), results)) {

            proxy.get("/api/orders/1");
            results.next();

            // The served request is timed until its last byte is written, which can end after the client read it.
            String served = "strangler_requests_seconds_count{route=\"orders\",status=\"2xx\",upstream=\"legacy\"} 1";
            awaitTrue(() -> proxy.proxy().meterRegistry().scrape().contains(served));
            assertThat(proxy.proxy().meterRegistry().scrape()).contains(
                    "strangler_shadow_calls_seconds_count{route=\"orders\",status=\"2xx\",upstream=\"candidate\"} 1");
        }
    }

    static void awaitCount(ProxyUnderTest proxy, String outcome, String reason, double expected)
            throws InterruptedException {
        awaitTrue(() -> proxy.outcomes("orders", outcome, reason) >= expected);
        assertThat(proxy.outcomes("orders", outcome, reason)).isEqualTo(expected);
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        Fixtures.awaitTrue(condition);
    }
}
