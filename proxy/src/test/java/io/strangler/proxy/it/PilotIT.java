package io.strangler.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.shadow.ShadowOutcome;
import io.strangler.proxy.shadow.ShadowResult;
import io.strangler.proxy.testing.Fixtures;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.ShadowResults;
import io.strangler.proxy.testing.TestUpstream;
import io.strangler.toggles.Mode;
import io.strangler.toggles.RouteState;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Pilot and candidate modes: who is served by which side, the shadow the other way round, kill switch, fallback. */
class PilotIT {

    private final ShadowResults results = new ShadowResults();

    private static String config(TestUpstream legacy, TestUpstream candidate, String mode, String extra) {
        return Fixtures.shadowConfig("orders", mode, legacy, candidate,
                "    pilot: { userFrom: \"header:X-User-Id\", users: [alice], header: X-Pilot }\n" + extra);
    }

    private static HttpResponse<String> get(ProxyUnderTest proxy, String path, String user) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(proxy.uri(path));
        if (user != null) {
            b.header("X-User-Id", user);
        }
        return proxy.client().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServePilotUsersFromTheCandidateAndCompareWithLegacyAsTheShadow() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{\"price\":10}");
             TestUpstream candidate = Fixtures.json("{\"price\":11}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate, "pilot", ""), results)) {

            HttpResponse<String> alice = get(proxy, "/api/orders/1", "alice");
            ShadowResult aliceResult = results.next();
            HttpResponse<String> bob = get(proxy, "/api/orders/1", "bob");
            ShadowResult bobResult = results.next();

            assertThat(alice.body()).isEqualTo("{\"price\":11}");
            assertThat(alice.headers().firstValue("X-Strangler-Served-By")).hasValue("candidate");
            assertThat(aliceResult.servedBy()).isEqualTo("candidate");
            assertThat(aliceResult.outcome()).isEqualTo(ShadowOutcome.DIVERGED);
            // Legacy is still the control: its value is on the legacy side of the difference.
            assertThat(aliceResult.comparison().orElseThrow().differences())
                    .filteredOn(d -> d.path().equals("$.price"))
                    .singleElement().satisfies(d -> {
                        assertThat(d.legacy()).isEqualTo("10");
                        assertThat(d.candidate()).isEqualTo("11");
                    });
            assertThat(legacy.requests()).anySatisfy(r -> assertThat(r.header("x-strangler-shadow")).isEqualTo("true"));
            assertThat(bob.body()).isEqualTo("{\"price\":10}");
            assertThat(bob.headers().firstValue("X-Strangler-Served-By")).hasValue("legacy");
            assertThat(bobResult.servedBy()).isEqualTo("legacy");
            assertThat(get(proxy, "/api/orders/1", null).body()).isEqualTo("{\"price\":10}");
            assertThat(proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/orders/2")).header("X-Pilot", "on")
                    .build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("{\"price\":11}");
        }
    }

    @Test
    void shouldFlipModesAndTheKillSwitchOnTheNextRequest() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{\"side\":\"legacy\"}");
             TestUpstream candidate = Fixtures.json("{\"side\":\"candidate\"}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate, "shadow", ""))) {
            assertThat(get(proxy, "/api/orders/1", "bob").body()).contains("legacy");
            // The shadow copy is sent after the client has its answer; wait for it so that it is not
            // counted later as a request the kill switch let through.
            Fixtures.awaitTrue(() -> candidate.requests().size() == 1);

            proxy.proxy().toggles().set("orders", new RouteState(Mode.CANDIDATE, Set.of(), 0));
            assertThat(get(proxy, "/api/orders/1", "bob").body()).contains("candidate");

            proxy.proxy().toggles().setKillSwitch(true);
            int candidateRequests = candidate.requests().size();
            assertThat(get(proxy, "/api/orders/1", "bob").body()).contains("legacy");
            assertThat(get(proxy, "/api/orders/2", "alice").body()).contains("legacy");
            Thread.sleep(200);
            assertThat(candidate.requests()).hasSize(candidateRequests);

            proxy.proxy().toggles().setKillSwitch(false);
            assertThat(get(proxy, "/api/orders/1", "bob").body()).contains("candidate");
        }
    }

    @Test
    void shouldFallBackToLegacyWhenTheCandidateCannotServeASafeRequest() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{\"side\":\"legacy\"}");
             TestUpstream candidate500 = TestUpstream.respondingWith(500, "boom");
             TestUpstream closed = TestUpstream.refusing();
             ProxyUnderTest refusing = ProxyUnderTest.start(Fixtures.shadowConfig("orders", "candidate", legacy,
                     closed, ""));
             ProxyUnderTest with5xx = ProxyUnderTest.start(config(legacy, candidate500, "candidate",
                     "    fallbackOn5xx: true\n"));
             ProxyUnderTest without5xx = ProxyUnderTest.start(config(legacy, candidate500, "candidate", ""))) {

            HttpResponse<String> refused = get(refusing, "/api/orders/1", "bob");
            HttpResponse<String> fellBack = get(with5xx, "/api/orders/1", "bob");
            HttpResponse<String> passed = get(without5xx, "/api/orders/1", "bob");
            HttpResponse<String> post = refusing.client().send(HttpRequest.newBuilder(refusing.uri("/api/orders"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(refused.statusCode()).isEqualTo(200);
            assertThat(refused.body()).contains("legacy");
            assertThat(refused.headers().firstValue("X-Strangler-Served-By")).hasValue("legacy");
            assertThat(fellBack.body()).contains("legacy");
            assertThat(passed.statusCode()).isEqualTo(500);
            assertThat(passed.headers().firstValue("X-Strangler-Served-By")).hasValue("candidate");
            // An unsafe request is never sent twice: the candidate's failure is the answer.
            assertThat(post.statusCode()).isEqualTo(502);
            assertThat(refusing.proxy().meterRegistry().scrape())
                    .contains("strangler_fallbacks_total{reason=\"upstream_refused\",route=\"orders\"} 1.0");
        }
    }

    @Test
    void shouldRollBackToShadowByItselfWhenTheCandidateFailsTheTrafficItServes() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{\"side\":\"legacy\"}");
             TestUpstream candidate = TestUpstream.respondingWith(500, "boom");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(legacy, candidate, "pilot",
                     "    circuitBreaker: { slidingWindowSize: 4, minimumCalls: 4, failureRateThreshold: 50 }\n"))) {

            for (int i = 0; i < 4; i++) {
                assertThat(get(proxy, "/api/orders/" + i, "alice").statusCode()).isEqualTo(500);
            }
            Fixtures.awaitTrue(() -> proxy.proxy().toggles().state("orders").mode() == Mode.SHADOW);

            HttpResponse<String> after = get(proxy, "/api/orders/9", "alice");
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(after.headers().firstValue("X-Strangler-Served-By")).hasValue("legacy");
            Fixtures.awaitTrue(() -> proxy.proxy().meterRegistry().scrape()
                    .contains("strangler_auto_rollbacks_total{route=\"orders\"} 1.0"));
        }
    }
}
