package io.strangler.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.RawHttp;
import io.strangler.proxy.testing.TestUpstream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both request decoders ({@code listen.requestDecoder}) through the real proxy: requests that two parsers could
 * read differently (the root of request smuggling) get a 400 and a closed connection, and nothing of them, nor of
 * what follows them on the connection, reaches the upstream.
 */
class RequestDecoderIT {

    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

    /** Refused by both decoders. */
    private static final List<String> AMBIGUOUS = List.of(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 40\r\n\r\nabcd",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\nX-Bare-LF: 1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX-Cr: a\rb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX-Space : a\r\n\r\n");

    /** Refused by ours only; Netty's decoder passes them on. */
    private static final List<String> AMBIGUOUS_TO_US = List.of(
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
            "GET /a\u007fb HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.7\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 9\r\n\r\n");

    private static ProxyUnderTest proxy(TestUpstream upstream, String decoder) {
        return ProxyUnderTest.singleRoute(upstream.url(), "", "requestDecoder: " + decoder);
    }

    private static void assertRefused(ProxyUnderTest proxy, String request) throws Exception {
        try (RawHttp c = RawHttp.connect(proxy.port())) {
            RawHttp.Response res = c.send(request + SMUGGLED).read();
            assertThat(res.status()).as(request).isEqualTo(400);
            assertThat(res.bodyText()).contains("\"error\":\"malformed_request\"");
            assertThat(c.closedByPeer()).as("closed after %s", request).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"netty", "strangler"})
    void shouldRefuseAmbiguousRequestsAndWhatFollowsThem(String decoder) throws Exception {
        try (TestUpstream upstream = TestUpstream.respondingWith(200, "ok");
             ProxyUnderTest proxy = proxy(upstream, decoder)) {
            for (String request : AMBIGUOUS) {
                assertRefused(proxy, request);
            }
            if (decoder.equals("strangler")) {
                for (String request : AMBIGUOUS_TO_US) {
                    assertRefused(proxy, request);
                }
                try (RawHttp c = RawHttp.connect(proxy.port())) {
                    assertThat(c.send("GET / HTTP/1.1\r\n\r\n").read().bodyText()).contains(
                            "\"message\":\"the request is not valid HTTP/1.1: an HTTP/1.1 request without Host\"");
                }
            }
            assertThat(upstream.requests()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"netty", "strangler"})
    void shouldAnswerPipelinedHeadAndGetEachWithItsOwnFraming(String decoder) throws Exception {
        try (TestUpstream upstream = TestUpstream.respondingWith(200, "hello");
             ProxyUnderTest proxy = proxy(upstream, decoder);
             RawHttp c = RawHttp.connect(proxy.port())) {

            c.send("HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\n"
                    + "X-Trailer: t\r\n\r\n");
            RawHttp.Response head = c.read(true);
            RawHttp.Response get = c.read();
            RawHttp.Response post = c.read();

            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo("5");
            assertThat(get.bodyText()).isEqualTo("hello");
            assertThat(post.bodyText()).isEqualTo("hello");
            assertThat(upstream.requests()).extracting(TestUpstream.Recorded::uri).containsExactly("/a", "/b", "/c");
            assertThat(upstream.requests().get(2).bodyText()).isEqualTo("abc");
        }
    }

    @Test
    void shouldAnswerClientsOurDecoderRefusesWithTheSameErrorsAsNettys() throws Exception {
        try (TestUpstream upstream = TestUpstream.respondingWith(200, "ok");
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "",
                     "requestDecoder: strangler, maxHeaderBytes: 4KiB, maxInitialLineBytes: 1KiB");
             RawHttp c1 = RawHttp.connect(proxy.port());
             RawHttp c2 = RawHttp.connect(proxy.port())) {

            RawHttp.Response big = c1.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(5000) + "\r\n\r\n")
                    .read();
            RawHttp.Response longLine = c2.send("GET /" + "p".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n").read();

            assertThat(big.status()).isEqualTo(431);
            assertThat(big.bodyText()).contains("\"error\":\"headers_too_large\"");
            assertThat(longLine.status()).isEqualTo(414);
            assertThat(longLine.bodyText()).contains("\"error\":\"uri_too_long\"");
            assertThat(proxy.refused("headers_too_large")).isEqualTo(1);
            assertThat(proxy.refused("uri_too_long")).isEqualTo(1);
            assertThat(upstream.requests()).isEmpty();
        }
    }
}
