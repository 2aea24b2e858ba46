package io.strangler.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.RawHttp;
import io.strangler.proxy.testing.TestUpstream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The same basic proxying on every transport this machine offers, so that none silently breaks. */
class TransportsIT {

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll", "io_uring"})
    void shouldProxyKeepAliveRequestsAndErrorsOnEveryTransport(String transport) throws Exception {
        assumeTrue(!transport.equals("epoll") || Epoll.isAvailable(), "epoll not available here");
        assumeTrue(!transport.equals("io_uring") || IoUring.isAvailable(), "io_uring not available here");
        String big = "z".repeat(300_000);
        try (TestUpstream upstream = TestUpstream.http((ctx, req) ->
                ctx.writeAndFlush(TestUpstream.response(req, 200, req.uri().equals("/big") ? big : "ok")));
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "transport: " + transport);
             RawHttp c = RawHttp.connect(proxy.port())) {

            for (int i = 0; i < 5; i++) {
                assertThat(c.send("GET /small HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText()).isEqualTo("ok");
            }
            assertThat(c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText()).isEqualTo(big);
            assertThat(c.send("BAD\r\n\r\n").read().status()).isEqualTo(400);
            assertThat(upstream.connectionsAccepted()).isLessThanOrEqualTo(2);
        }
    }
}
