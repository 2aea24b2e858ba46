package io.strangler.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.RawHttp;
import io.strangler.proxy.testing.TestUpstream;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Responses stream through: chunked, large, first bytes early, and a slow client holds the upstream back. */
class StreamingIT {

    private static final int MIB = 1 << 20;

    /** Streams {@code total} bytes of a repeatable pseudo-random pattern in 64 KiB chunks, honouring writability. */
    private static void streamBody(ChannelHandlerContext ctx, long total, boolean chunked, AtomicLong flushed) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        if (chunked) {
            HttpUtil.setTransferEncodingChunked(head, true);
        } else {
            HttpUtil.setContentLength(head, total);
        }
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        ctx.write(head);
        Random random = new Random(42);
        long[] sent = {0};
        Runnable[] pump = new Runnable[1];
        pump[0] = () -> {
            while (sent[0] < total && ctx.channel().isWritable()) {
                int n = (int) Math.min(64 * 1024, total - sent[0]);
                byte[] chunk = new byte[n];
                random.nextBytes(chunk);
                sent[0] += n;
                ChannelFuture f = ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
                f.addListener(x -> flushed.addAndGet(n));
            }
            if (sent[0] >= total) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                ctx.channel().eventLoop().schedule(pump[0], 1, TimeUnit.MILLISECONDS);
            }
        };
        pump[0].run();
    }

    private static byte[] expectedDigest(long total) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        Random random = new Random(42);
        long left = total;
        while (left > 0) {
            int n = (int) Math.min(64 * 1024, left);
            byte[] chunk = new byte[n];
            random.nextBytes(chunk);
            md.update(chunk);
            left -= n;
        }
        return md.digest();
    }

    @Test
    void shouldStreamA50MiBChunkedResponseByteForByte() throws Exception {
        // Large enough that the kernel's socket buffers cannot hide a missing backpressure: on this machine
        // tcp_rmem lets a receive buffer grow to 32 MiB, and under load 27 MiB were seen in flight with 50 MiB.
        long total = 128L * MIB;
        try (TestUpstream upstream = TestUpstream.http((ctx, req) -> streamBody(ctx, total, true, new AtomicLong()));
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "")) {

            var res = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/big")).build(),
                    BodyHandlers.ofInputStream());
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long received = 0;
            try (InputStream in = res.body()) {
                byte[] buf = new byte[256 * 1024];
                int r;
                while ((r = in.read(buf)) >= 0) {
                    md.update(buf, 0, r);
                    received += r;
                }
            }

            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.headers().firstValue("transfer-encoding")).contains("chunked");
            assertThat(received).isEqualTo(total);
            assertThat(md.digest()).isEqualTo(expectedDigest(total));
        }
    }

    @Test
    void shouldKeepAContentLengthResponseFramedByLength() throws Exception {
        long total = 3L * MIB;
        try (TestUpstream upstream = TestUpstream.http((ctx, req) -> streamBody(ctx, total, false, new AtomicLong()));
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "")) {

            var res = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/fixed")).build(),
                    BodyHandlers.ofByteArray());

            assertThat(res.headers().firstValue("content-length")).contains(String.valueOf(total));
            assertThat(res.headers().firstValue("transfer-encoding")).isEmpty();
            assertThat(MessageDigest.getInstance("SHA-256").digest(res.body())).isEqualTo(expectedDigest(total));
        }
    }

    @Test
    void shouldDeliverTheFirstBytesBeforeTheUpstreamSendsTheLast() throws Exception {
        CountDownLatch clientGotFirstPart = new CountDownLatch(1);
        try (TestUpstream upstream = TestUpstream.http((ctx, req) -> {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setTransferEncodingChunked(head, true);
            ctx.write(head);
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("first;", java.nio.charset.StandardCharsets.UTF_8)));
            // The last part is sent only once the client has the first: a buffering proxy would deadlock here.
            new Thread(() -> {
                try {
                    if (clientGotFirstPart.await(10, TimeUnit.SECONDS)) {
                        ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.copiedBuffer("last",
                                java.nio.charset.StandardCharsets.UTF_8)));
                    } else {
                        ctx.close();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).start();
        });
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "");
             RawHttp client = RawHttp.connect(proxy.port())) {

            client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            StringBuilder seen = new StringBuilder();
            InputStream in = client.inputStream();
            while (!seen.toString().contains("first;")) {
                int c = in.read();
                assertThat(c).as("connection closed before the first part arrived").isNotNegative();
                seen.append((char) c);
            }
            clientGotFirstPart.countDown();
            StringBuilder rest = new StringBuilder();
            while (!rest.toString().endsWith("0\r\n\r\n")) {
                int c = in.read();
                assertThat(c).isNotNegative();
                rest.append((char) c);
            }

            assertThat(rest.toString()).contains("last");
        }
    }

    @Test
    void shouldHoldTheUpstreamBackWhileTheClientDoesNotRead() throws Exception {
        // Large enough that the kernel's socket buffers cannot hide a missing backpressure: on this machine
        // tcp_rmem lets a receive buffer grow to 32 MiB, and under load 27 MiB were seen in flight with 50 MiB.
        long total = 128L * MIB;
        AtomicLong upstreamFlushed = new AtomicLong();
        try (TestUpstream upstream = TestUpstream.http((ctx, req) -> streamBody(ctx, total, false, upstreamFlushed));
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "");
             RawHttp client = RawHttp.connect(proxy.port())) {

            client.send("GET /huge HTTP/1.1\r\nHost: x\r\n\r\n");
            byte[] first = client.inputStream().readNBytes(MIB);
            long flushedAfterFirstRead = settle(upstreamFlushed);

            // The client reads 1 MiB and then stops. Without backpressure the proxy would pull all 128 MiB from
            // the upstream into memory; with it the upstream stalls once the socket buffers are full.
            assertThat(first).hasSize(MIB);
            assertThat(flushedAfterFirstRead).isLessThan(total / 2);
            assertThat(proxy.proxy().inFlight()).isEqualTo(1);

            long rest = 0;
            byte[] buf = new byte[1 << 16];
            long want = total - MIB;
            while (rest < want) {
                int r = client.inputStream().read(buf, 0, (int) Math.min(buf.length, want - rest));
                assertThat(r).isNotNegative();
                rest += r;
            }
            assertThat(rest).isEqualTo(want);
        }
    }

    /** Waits until the counter stops moving for 300 ms (at most 5 s) and returns it. */
    private static long settle(AtomicLong counter) throws InterruptedException {
        long last = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            long now = counter.get();
            if (now == last) {
                return now;
            }
            last = now;
            Thread.sleep(300);
        }
        return counter.get();
    }
}
