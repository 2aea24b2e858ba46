package io.strangler.proxy.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.RawHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Plain proxying through the real proxy to a WireMock legacy upstream: methods, bodies, headers. */
class ProxyingIT {

    @RegisterExtension
    static WireMockExtension legacy = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().bindAddress("127.0.0.1").jettyAcceptors(1).containerThreads(8))
            .build();

    private ProxyUnderTest proxy;

    @BeforeEach
    void startProxy() {
        proxy = ProxyUnderTest.start("""
                upstreams:
                  legacy: { url: "%s" }
                routes:
                  - { id: api, match: { pathPrefix: /api }, legacy: legacy }
                  - { id: keep-host, match: { pathPrefix: /host }, legacy: legacy, preserveHost: true }
                """.formatted("http://127.0.0.1:" + legacy.getPort()));
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH"})
    void shouldPassMethodBodyAndQueryStringBothWays(String method) throws Exception {
        legacy.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withHeader("X-Legacy", "yes")
                .withBody("{\"echo\":\"" + method + "\"}")));

        HttpResponse<String> res = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/orders/7?x=1&y=%C3%A9"))
                        .method(method, HttpRequest.BodyPublishers.ofString("{\"qty\":2}"))
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(res.statusCode()).isEqualTo(201);
        assertThat(res.body()).isEqualTo("{\"echo\":\"" + method + "\"}");
        assertThat(res.headers().firstValue("x-legacy")).contains("yes");
        assertThat(res.headers().firstValue("x-strangler-served-by")).contains("legacy");
        LoggedRequest seen = legacy.getAllServeEvents().get(0).getRequest();
        assertThat(seen.getMethod().getName()).isEqualTo(method);
        assertThat(seen.getUrl()).isEqualTo("/api/orders/7?x=1&y=%C3%A9");
        assertThat(seen.getBodyAsString()).isEqualTo("{\"qty\":2}");
        assertThat(seen.getHeader("Content-Length")).isEqualTo("9");
    }

    @Test
    void shouldAddForwardingHeadersAndKeepTheRequestId() throws Exception {
        legacy.stubFor(any(anyUrl()).willReturn(aResponse().withBody("ok")));

        proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/a")).header("X-Request-Id", "req-123")
                .header("X-Forwarded-For", "203.0.113.9").build(), HttpResponse.BodyHandlers.ofString());
        proxy.get("/api/b");

        List<LoggedRequest> seen = legacy.findAll(getRequestedFor(urlEqualTo("/api/a")));
        assertThat(seen.get(0).getHeader("X-Request-Id")).isEqualTo("req-123");
        assertThat(seen.get(0).getHeader("X-Forwarded-For")).isEqualTo("203.0.113.9, 127.0.0.1");
        assertThat(seen.get(0).getHeader("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(seen.get(0).getHeader("X-Forwarded-Host")).isEqualTo("127.0.0.1:" + proxy.port());
        assertThat(seen.get(0).getHeader("Via")).isEqualTo("1.1 strangler");
        assertThat(seen.get(0).getHeader("Host")).isEqualTo("127.0.0.1:" + legacy.getPort());
        LoggedRequest b = legacy.findAll(getRequestedFor(urlEqualTo("/api/b"))).get(0);
        assertThat(b.getHeader("X-Request-Id")).matches("[0-9a-f]{32}");
        assertThat(b.getHeader("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(b.containsHeader("Content-Length")).isFalse();
    }

    @Test
    void shouldKeepOrExtendForwardingHeadersTheClientSent() throws Exception {
        legacy.stubFor(any(anyUrl()).willReturn(aResponse().withBody("ok")));

        try (RawHttp c = RawHttp.connect(proxy.port())) {
            c.send("GET /api/fwd HTTP/1.1\r\nHost: x\r\nvia: 1.0 edge\r\nX-FORWARDED-PROTO: https\r\n"
                    + "x-forwarded-host: shop.example.com\r\nX-Forwarded-For: 198.51.100.1\r\n"
                    + "X-Forwarded-For: 198.51.100.2\r\nContent-Length: 0\r\nX-Request-Id: r-1\r\n"
                    + "X-Request-Id: r-2\r\n\r\n").read();
            // A Connection header may name an end-to-end header as hop-by-hop: it goes, and ours takes its place.
            c.send("GET /api/fwd2 HTTP/1.1\r\nHost: x\r\nConnection: X-Forwarded-Proto\r\n"
                    + "X-Forwarded-Proto: https\r\n\r\n").read();
        }

        LoggedRequest seen = legacy.findAll(getRequestedFor(urlEqualTo("/api/fwd"))).get(0);
        // (WireMock splits some list headers, such as Via, into their elements.)
        assertThat(String.join(", ", seen.getHeaders().getHeader("Via").values())).isEqualTo("1.0 edge, 1.1 strangler");
        assertThat(seen.getHeader("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(seen.getHeader("X-Forwarded-Host")).isEqualTo("shop.example.com");
        // The first of several values is extended, the rest replaced (as before); one request id, the first.
        assertThat(String.join(", ", seen.getHeaders().getHeader("X-Forwarded-For").values()))
                .isEqualTo("198.51.100.1, 127.0.0.1");
        assertThat(seen.getHeaders().getHeader("X-Request-Id").values()).containsExactly("r-1");
        assertThat(seen.containsHeader("Content-Length")).isFalse();
        assertThat(seen.getHeader("Host")).isEqualTo("127.0.0.1:" + legacy.getPort());
        LoggedRequest second = legacy.findAll(getRequestedFor(urlEqualTo("/api/fwd2"))).get(0);
        assertThat(second.getHeaders().getHeader("X-Forwarded-Proto").values()).containsExactly("http");
        assertThat(second.containsHeader("Connection")).isFalse();
    }

    @Test
    void shouldPreserveTheClientHostWhenTheRouteAsks() throws Exception {
        legacy.stubFor(any(anyUrl()).willReturn(aResponse().withBody("ok")));

        try (RawHttp c = RawHttp.connect(proxy.port())) {
            c.send("GET /host/x HTTP/1.1\r\nHost: shop.example.com\r\n\r\n").read();
        }

        assertThat(legacy.findAll(getRequestedFor(urlEqualTo("/host/x"))).get(0).getHeader("Host"))
                .isEqualTo("shop.example.com");
    }

    @Test
    void shouldStripHopByHopHeadersInBothDirections() throws Exception {
        legacy.stubFor(any(anyUrl()).willReturn(aResponse().withBody("ok")
                .withHeader("Connection", "X-Upstream-Hop").withHeader("X-Upstream-Hop", "secret")
                .withHeader("Keep-Alive", "timeout=5").withHeader("X-End-To-End", "kept")));

        RawHttp.Response res;
        try (RawHttp c = RawHttp.connect(proxy.port())) {
            res = c.send("GET /api/hop HTTP/1.1\r\nHost: x\r\nConnection: X-Client-Hop\r\nX-Client-Hop: 1\r\n"
                    + "Proxy-Authorization: Basic eDp5\r\nTE: trailers\r\nUpgrade: h2c\r\nX-Keep: me\r\n\r\n").read();
        }

        LoggedRequest seen = legacy.findAll(getRequestedFor(urlEqualTo("/api/hop"))).get(0);
        assertThat(seen.containsHeader("X-Client-Hop")).isFalse();
        assertThat(seen.containsHeader("Proxy-Authorization")).isFalse();
        assertThat(seen.containsHeader("TE")).isFalse();
        assertThat(seen.containsHeader("Upgrade")).isFalse();
        assertThat(seen.getHeader("X-Keep")).isEqualTo("me");
        assertThat(res.header("x-upstream-hop")).isNull();
        assertThat(res.header("keep-alive")).isNull();
        assertThat(res.header("x-end-to-end")).isEqualTo("kept");
        assertThat(res.header("via")).isEqualTo("1.1 strangler");
    }

    @Test
    void shouldAnswerHeadWithHeadersOnlyAnd204WithoutBody() throws Exception {
        legacy.stubFor(any(urlEqualTo("/api/big")).willReturn(aResponse().withBody("x".repeat(5000))));
        legacy.stubFor(any(urlEqualTo("/api/none")).willReturn(aResponse().withStatus(204)));

        try (RawHttp c = RawHttp.connect(proxy.port())) {
            RawHttp.Response head = c.send("HEAD /api/big HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            RawHttp.Response noContent = c.send("GET /api/none HTTP/1.1\r\nHost: x\r\n\r\n").read();
            RawHttp.Response after = c.send("GET /api/big HTTP/1.1\r\nHost: x\r\n\r\n").read();

            assertThat(head.status()).isEqualTo(200);
            assertThat(noContent.status()).isEqualTo(204);
            assertThat(noContent.body()).isEmpty();
            // The same connection still parses: no stray body bytes were sent after HEAD or 204.
            assertThat(after.bodyText()).hasSize(5000);
        }
    }

    @Test
    void shouldAcceptExpectContinueAndSendTheBodyOn() throws Exception {
        legacy.stubFor(any(anyUrl()).willReturn(aResponse().withBody("got it")));

        try (RawHttp c = RawHttp.connect(proxy.port())) {
            c.send("POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            String interim = new String(c.inputStream().readNBytes(25), StandardCharsets.ISO_8859_1);
            assertThat(interim).startsWith("HTTP/1.1 100 Continue");
            RawHttp.Response res = c.send("hello").read();
            assertThat(res.status()).isEqualTo(200);
        }

        LoggedRequest seen = legacy.findAll(postRequestedFor(urlEqualTo("/api/upload"))).get(0);
        assertThat(seen.getBodyAsString()).isEqualTo("hello");
        assertThat(seen.containsHeader("Expect")).isFalse();
    }

    @Test
    void shouldServeHttp10ClientsAndCloseAfterwards() throws Exception {
        legacy.stubFor(any(anyUrl()).willReturn(aResponse().withBody("old client")));

        try (RawHttp c = RawHttp.connect(proxy.port())) {
            RawHttp.Response res = c.send("GET /api/old HTTP/1.0\r\n\r\n").read();

            assertThat(res.status()).isEqualTo(200);
            assertThat(res.bodyText()).isEqualTo("old client");
            assertThat(c.closedByPeer()).isTrue();
        }
    }
}
