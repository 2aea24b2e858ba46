package io.strangler.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.RawHttp;
import io.strangler.proxy.testing.TestUpstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every way a request can go wrong gets its status, a JSON body naming the cause, and loses nothing else. */
class ErrorsIT {

    private static void assertError(RawHttp.Response res, int status, String tag) {
        assertThat(res.status()).isEqualTo(status);
        assertThat(res.header("content-type")).isEqualTo("application/json");
        assertThat(res.bodyText()).contains("\"error\":\"" + tag + "\"").contains("\"requestId\":");
    }

    private static RawHttp.Response send(ProxyUnderTest proxy, String request) throws IOException {
        try (RawHttp c = RawHttp.connect(proxy.port())) {
            return c.send(request).read();
        }
    }

    @Test
    void shouldAnswerMalformedRequestsWith400AndClose() throws Exception {
        try (TestUpstream upstream = TestUpstream.respondingWith(200, "ok");
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "")) {
            for (String bad : List.of(
                    "GARBAGE\r\n\r\n",
                    "GET / HTTP/1.1\r\nHost: x\r\nThis is not a header\r\n\r\n",
                    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n",
                    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n")) {
                try (RawHttp c = RawHttp.connect(proxy.port())) {
                    assertError(c.send(bad).read(), 400, "malformed_request");
                    assertThat(c.closedByPeer()).isTrue();
                }
            }
            assertThat(upstream.requests()).isEmpty();
            assertThat(proxy.refused("malformed_request")).isEqualTo(4);
        }
    }

    @Test
    void shouldAnswerOversizedHeadersWith431AndLongLinesWith414() throws Exception {
        try (TestUpstream upstream = TestUpstream.respondingWith(200, "ok");
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "",
                     "maxHeaderBytes: 4KiB, maxInitialLineBytes: 1KiB")) {

            assertError(send(proxy, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(5000) + "\r\n\r\n"),
                    431, "headers_too_large");
            assertError(send(proxy, "GET /" + "p".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
                    414, "uri_too_long");
            assertThat(send(proxy, "GET / HTTP/1.1\r\nHost: x\r\nX-Ok: " + "a".repeat(3000) + "\r\n\r\n").status())
                    .isEqualTo(200);
            assertThat(proxy.refused("headers_too_large")).isEqualTo(1);
            assertThat(proxy.refused("uri_too_long")).isEqualTo(1);
        }
    }

    @Test
    void shouldAnswerUnroutedRequestsWith404AndKeepTheConnection() throws Exception {
        try (TestUpstream upstream = TestUpstream.respondingWith(200, "ok");
             ProxyUnderTest proxy = ProxyUnderTest.start("""
                     upstreams: { legacy: { url: "%s" } }
                     routes: [ { id: api, match: { pathPrefix: /api, methods: [GET] }, legacy: legacy } ]
                     """.formatted(upstream.url()));
             RawHttp c = RawHttp.connect(proxy.port())) {

            assertError(c.send("GET /other HTTP/1.1\r\nHost: x\r\n\r\n").read(), 404, "no_route");
            assertError(c.send("DELETE /api/1 HTTP/1.1\r\nHost: x\r\n\r\n").read(), 404, "no_route");
            assertThat(c.send("GET /api/1 HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            assertThat(proxy.refused("no_route")).isEqualTo(2);
        }
    }

    @Test
    void shouldAnswerTooLargeBodiesWith413() throws Exception {
        try (TestUpstream upstream = TestUpstream.respondingWith(200, "ok");
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "maxRequestBodyBytes: 1KiB")) {

            assertError(send(proxy, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + "a".repeat(5000)),
                    413, "body_too_large");
            assertError(send(proxy, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "800\r\n" + "b".repeat(2048) + "\r\n0\r\n\r\n"), 413, "body_too_large");
            assertError(send(proxy, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue"
                    + "\r\n\r\n"), 413, "body_too_large");
            assertThat(send(proxy, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + "c".repeat(1024))
                    .status()).isEqualTo(200);
            assertThat(upstream.requests()).hasSize(1);
            assertThat(proxy.refused("body_too_large")).isEqualTo(3);
        }
    }

    @Test
    void shouldAnswer502WhenTheUpstreamRefusesTheConnection() throws Exception {
        try (TestUpstream closed = TestUpstream.refusing();
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(closed.url(), "", "")) {
            RawHttp.Response res = send(proxy, "GET /x HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-1\r\n\r\n");

            assertError(res, 502, "upstream_refused");
            assertThat(res.bodyText()).contains("\"route\":\"all\"").contains("\"requestId\":\"trace-1\"");
        }
    }

    @Test
    void shouldAnswer502WhenTheUpstreamClosesOrSendsGarbageBeforeResponding() throws Exception {
        try (TestUpstream closer = TestUpstream.raw((ch, head) -> ch.close());
             TestUpstream garbler = TestUpstream.raw((ch, head) -> TestUpstream.writeRaw(ch,
                     "THIS IS NOT HTTP AT ALL\r\n\r\n", true));
             ProxyUnderTest p1 = ProxyUnderTest.singleRoute(closer.url(), "", "");
             ProxyUnderTest p2 = ProxyUnderTest.singleRoute(garbler.url(), "", "")) {

            assertError(send(p1, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 502, "upstream_reset");
            assertError(send(p2, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 502, "upstream_malformed");
        }
    }

    @Test
    void shouldAnswer504WhenTheUpstreamDoesNotAcceptInTime() throws Exception {
        // A listening socket that never accepts, with its accept queue filled: further SYNs go unanswered.
        try (ServerSocket full = new ServerSocket()) {
            full.bind(new InetSocketAddress("127.0.0.1", 0), 1);
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(full.getLocalSocketAddress(), 200);
                        fillers.add(s);
                    } catch (IOException queueFull) {
                        s.close();
                        break;
                    }
                }
                try (ProxyUnderTest proxy = ProxyUnderTest.singleRoute("http://127.0.0.1:" + full.getLocalPort(),
                        "connectTimeout: 300ms", "")) {
                    long start = System.nanoTime();
                    RawHttp.Response res = send(proxy, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");

                    assertError(res, 504, "upstream_connect_timeout");
                    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
                }
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    @Test
    void shouldAnswer504WhenTheUpstreamDoesNotRespondInTime() throws Exception {
        try (TestUpstream silent = TestUpstream.http((ctx, req) -> { });
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(silent.url(), "responseTimeout: 300ms", "")) {

            assertError(send(proxy, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 504, "upstream_response_timeout");
            // The hung connection was closed, not returned to the pool.
            Thread.sleep(200);
            assertThat(silent.openConnections()).isZero();
        }
    }

    @Test
    void shouldAnswer504InTimeWhenAReusedConnectionStopsAnswering() throws Exception {
        // Two answered requests, then one that never is, all on the same pooled connection. The response timer
        // armed by the first fires while the connection is idle and stops; the second arms it again; it fires
        // during the third and must re-arm itself for that one's deadline.
        try (TestUpstream upstream = TestUpstream.http((ctx, req) -> {
                if (req.uri().equals("/fast")) {
                    ctx.writeAndFlush(TestUpstream.response(req, 200, "ok"));
                }
            });
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "responseTimeout: 300ms", "");
             RawHttp c = RawHttp.connect(proxy.port())) {

            assertThat(c.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            Thread.sleep(450);
            assertThat(c.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            Thread.sleep(150);
            long start = System.nanoTime();
            RawHttp.Response res = c.timeout(5000).send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").read();
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            assertError(res, 504, "upstream_response_timeout");
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
            assertThat(tookMillis).isBetween(280L, 1500L);
        }
    }

    @Test
    void shouldCloseTheClientConnectionWhenTheUpstreamDiesMidResponse() throws Exception {
        try (TestUpstream fixed = TestUpstream.raw((ch, head) -> TestUpstream.writeRaw(ch,
                "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly ten b", true));
             TestUpstream chunked = TestUpstream.raw((ch, head) -> TestUpstream.writeRaw(ch,
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nonly ten b\r\n", true));
             ProxyUnderTest p1 = ProxyUnderTest.singleRoute(fixed.url(), "", "");
             ProxyUnderTest p2 = ProxyUnderTest.singleRoute(chunked.url(), "", "")) {

            for (ProxyUnderTest p : List.of(p1, p2)) {
                try (RawHttp c = RawHttp.connect(p.port())) {
                    RawHttp.Response res = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();

                    assertThat(res.status()).isEqualTo(200);
                    assertThat(res.complete()).as("a cut body must not look complete").isFalse();
                    assertThat(c.closedByPeer()).isTrue();
                }
            }
        }
    }

    @Test
    void shouldCloseTheClientConnectionWhenTheUpstreamStallsMidResponse() throws Exception {
        try (TestUpstream staller = TestUpstream.raw((ch, head) -> TestUpstream.writeRaw(ch,
                "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstarted...", false));
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(staller.url(), "responseTimeout: 300ms", "");
             RawHttp c = RawHttp.connect(proxy.port())) {

            RawHttp.Response res = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();

            assertThat(res.complete()).isFalse();
        }
    }

    @Test
    void shouldAnswerSlowlorisWith408AndClose() throws Exception {
        try (TestUpstream upstream = TestUpstream.respondingWith(200, "ok");
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "requestHeaderTimeout: 500ms");
             RawHttp c = RawHttp.connect(proxy.port())) {

            c.send("GET / HTTP/1.1\r\nHost: x\r\n");
            long start = System.nanoTime();
            RawHttp.Response res = null;
            c.timeout(100);
            for (int i = 0; i < 40 && res == null; i++) {
                try {
                    c.send("X-Drip-" + i + ": y\r\n");
                    res = c.timeout(150).read();
                } catch (java.net.SocketTimeoutException stillWaiting) {
                    // keep dripping
                } catch (IOException closed) {
                    break;
                }
            }

            assertThat(res).as("the proxy should answer a dripping client").isNotNull();
            assertError(res, 408, "request_timeout");
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(300L, 3_000L);
            c.timeout(2000);
            assertThat(c.closedByPeer()).isTrue();
            assertThat(upstream.requests()).isEmpty();
            assertThat(proxy.refused("request_timeout")).isEqualTo(1);
        }
    }

    @Test
    void shouldCloseIdleKeepAliveConnectionsQuietly() throws Exception {
        try (TestUpstream upstream = TestUpstream.respondingWith(200, "ok");
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "idleTimeout: 300ms");
             RawHttp c = RawHttp.connect(proxy.port())) {

            assertThat(c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);

            c.timeout(3000);
            assertThat(c.closedByPeer()).isTrue();
        }
    }
}
