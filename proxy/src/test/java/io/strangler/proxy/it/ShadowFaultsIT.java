package io.strangler.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.TestUpstream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A candidate that fails in every way we know must change nothing for the client: each served response is the
 * same as from a proxy that does not shadow at all, no served request fails, and the shadow outcome is recorded
 * with the reason that names the fault.
 */
class ShadowFaultsIT {

    private static final int REQUESTS = 5;
    private static final String LEGACY_BODY = "{\"id\":1,\"name\":\"Widget\",\"price\":9.99}";

    enum Fault {
        REFUSES_CONNECTIONS("failed", "candidate_refused", TestUpstream::refusing),
        ACCEPTS_AND_NEVER_ANSWERS("failed", "candidate_timeout", () -> TestUpstream.raw((ch, head) -> { })),
        ANSWERS_AFTER_5_SECONDS("failed", "candidate_timeout", () -> TestUpstream.http((ctx, req) -> {
            var res = TestUpstream.response(req, 200, LEGACY_BODY);
            ctx.executor().schedule(() -> ctx.writeAndFlush(res), 5, TimeUnit.SECONDS);
        })),
        RESETS_MID_BODY("failed", "candidate_reset", () -> TestUpstream.raw((ch, head) -> TestUpstream.writeRaw(ch,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\":1,", true))),
        RETURNS_500S("diverged", "diverged", () -> TestUpstream.respondingWith(500, "internal error")),
        RETURNS_A_100_MIB_BODY("skipped", "body_too_large", () -> TestUpstream.raw((ch, head) -> {
            TestUpstream.writeRaw(ch, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + (100L << 20) + "\r\n\r\n", false);
            ByteBuf mib = Unpooled.buffer(1 << 20).writeZero(1 << 20);
            for (int i = 0; i < 100; i++) {
                ch.write(mib.retainedDuplicate());
            }
            ch.flush();
            mib.release();
        })),
        SENDS_MALFORMED_HTTP("failed", "candidate_malformed", () -> TestUpstream.raw((ch, head) ->
                TestUpstream.writeRaw(ch, "THIS IS NOT HTTP AT ALL\r\n\r\n", true)));

        final String outcome;
        final String reason;
        final Supplier<TestUpstream> candidate;

        Fault(String outcome, String reason, Supplier<TestUpstream> candidate) {
            this.outcome = outcome;
            this.reason = reason;
            this.candidate = candidate;
        }

        /**
         * The shadow timeout: short where the fault is slowness, so the test does not wait long; generous elsewhere,
         * since reading a megabyte under paranoid leak detection can take most of a second.
         */
        String timeout() {
            return outcome.equals("failed") && reason.endsWith("timeout") ? "1s" : "10s";
        }
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void shouldServeExactlyWhatLegacySaysWhateverTheCandidateDoes(Fault fault) throws Exception {
        try (TestUpstream legacy = ShadowIT.json(LEGACY_BODY);
             TestUpstream candidate = fault.candidate.get();
             ProxyUnderTest plain = ProxyUnderTest.start(config(legacy, candidate, "legacy", fault));
             ProxyUnderTest shadowing = ProxyUnderTest.start(config(legacy, candidate, "shadow", fault))) {

            List<HttpResponse<String>> expected = new ArrayList<>();
            List<HttpResponse<String>> actual = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                expected.add(plain.get("/api/items/" + i));
                actual.add(shadowing.get("/api/items/" + i));
            }

            for (int i = 0; i < REQUESTS; i++) {
                assertThat(actual.get(i).statusCode()).isEqualTo(200);
                assertThat(actual.get(i).body()).isEqualTo(expected.get(i).body()).isEqualTo(LEGACY_BODY);
                assertThat(headers(actual.get(i))).isEqualTo(headers(expected.get(i)));
            }
            ShadowIT.awaitTrue(() -> shadowing.outcomes("items", fault.outcome, fault.reason) >= REQUESTS);
            assertThat(shadowing.outcomes("items", fault.outcome, fault.reason)).isEqualTo(REQUESTS);
            // Whatever the fault, no shadow connection is left behind once the calls have ended.
            ShadowIT.awaitTrue(() -> fault == Fault.RETURNS_500S || candidate.openConnections() == 0);
        }
    }

    private static Map<String, List<String>> headers(HttpResponse<String> res) {
        return res.headers().map();
    }

    private static String config(TestUpstream legacy, TestUpstream candidate, String mode, Fault fault) {
        return ShadowIT.config("items", mode, legacy, candidate, "    shadow: { timeout: " + fault.timeout() + " }\n"
                // Keep the breaker out of the way: this test is about each call's outcome, not about opening.
                + "    circuitBreaker: { minimumCalls: 100 }\n");
    }
}
