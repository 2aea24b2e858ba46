package io.strangler.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.RawHttp;
import io.strangler.proxy.testing.TestUpstream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Upstream connections are pooled and reused; client connections stay open and may pipeline. */
class KeepAliveIT {

    @Test
    void shouldReuseOneUpstreamConnectionForSequentialRequests() throws Exception {
        try (TestUpstream upstream = TestUpstream.respondingWith(200, "pong");
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "ioThreads: 1")) {

            for (int i = 0; i < 50; i++) {
                assertThat(proxy.get("/ping/" + i).body()).isEqualTo("pong");
            }

            assertThat(upstream.requests()).hasSize(50);
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
        }
    }

    @Test
    void shouldNeverOpenMoreThanMaxConnectionsAndQueueTheRest() throws Exception {
        try (TestUpstream upstream = TestUpstream.http((ctx, req) -> {
            FullHttpResponse res = TestUpstream.response(req, 200, "slow");
            ctx.executor().schedule(() -> ctx.writeAndFlush(res), 50, java.util.concurrent.TimeUnit.MILLISECONDS);
        });
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "maxConnections: 2, "
                     + "connectTimeout: 5s", "ioThreads: 1")) {

            List<CompletableFuture<String>> all = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                all.add(proxy.client().sendAsync(HttpRequest.newBuilder(proxy.uri("/q/" + i)).build(),
                        BodyHandlers.ofString()).thenApply(r -> r.statusCode() + ":" + r.body()));
            }

            for (CompletableFuture<String> f : all) {
                assertThat(f.get()).isEqualTo("200:slow");
            }
            assertThat(upstream.connectionsAccepted()).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void shouldAnswerPipelinedRequestsInOrder() throws Exception {
        try (TestUpstream upstream = TestUpstream.http((ctx, req) ->
                ctx.writeAndFlush(TestUpstream.response(req, 200, "you asked for " + req.uri())));
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "");
             RawHttp c = RawHttp.connect(proxy.port())) {

            c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /three HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");

            assertThat(c.read().bodyText()).isEqualTo("you asked for /one");
            assertThat(c.read().bodyText()).isEqualTo("you asked for /two");
            assertThat(c.read().bodyText()).isEqualTo("you asked for /three");
        }
    }

    @Test
    void shouldPassHeadAnd204AndChunkedRequestBodies() throws Exception {
        try (TestUpstream upstream = TestUpstream.http((ctx, req) -> {
            if (req.uri().equals("/empty")) {
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.NO_CONTENT);
                ctx.writeAndFlush(res);
                return;
            }
            String body = req.method().equals(HttpMethod.POST)
                    ? "received " + req.content().toString(StandardCharsets.UTF_8) : "x".repeat(1234);
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            HttpUtil.setContentLength(res, res.content().readableBytes());
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
            ctx.writeAndFlush(res);
        });
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "");
             RawHttp c = RawHttp.connect(proxy.port())) {

            RawHttp.Response head = c.send("HEAD /doc HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            RawHttp.Response empty = c.send("DELETE /empty HTTP/1.1\r\nHost: x\r\n\r\n").read();
            RawHttp.Response chunked = c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").read();

            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo("1234");
            assertThat(empty.status()).isEqualTo(204);
            assertThat(chunked.bodyText()).isEqualTo("received hello world");
            assertThat(upstream.requests().get(2).header("content-length")).isEqualTo("11");
            assertThat(upstream.requests().get(2).header("transfer-encoding")).isNull();
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
        }
    }

    @Test
    void shouldForwardBodilessRequestsWithoutInventingABody() throws Exception {
        List<String> heads = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TestUpstream upstream = TestUpstream.raw((ch, head) -> {
            heads.add(head.toLowerCase(java.util.Locale.ROOT));
            String body = head.startsWith("HEAD") ? "" : "ok";
            TestUpstream.writeRaw(ch, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + body, false);
        });
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "");
             RawHttp c = RawHttp.connect(proxy.port())) {

            // Pipelined: no body announced (the fast path), then announced as empty or as an empty chunked body
            // (the general aggregation), then no body after all of those.
            c.send("GET /a?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "DELETE /b HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /c HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /d HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                    + "GET /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                    + "HEAD /f HTTP/1.1\r\nHost: x\r\n\r\n");

            for (int i = 0; i < 5; i++) {
                assertThat(c.read().bodyText()).isEqualTo("ok");
            }
            assertThat(c.read(true).status()).isEqualTo(200);
            assertThat(heads).extracting(h -> h.substring(0, h.indexOf("\r\n")))
                    .containsExactly("get /a?x=1 http/1.1", "delete /b http/1.1", "post /c http/1.1",
                            "get /d http/1.1", "get /e http/1.1", "head /f http/1.1");
            // A request without a body is passed on without one; a POST says so explicitly.
            assertThat(heads.get(2)).contains("\r\ncontent-length: 0");
            for (int i : new int[] {0, 1, 3, 4, 5}) {
                assertThat(heads.get(i)).doesNotContain("content-length").doesNotContain("transfer-encoding");
            }
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
        }
    }
}
