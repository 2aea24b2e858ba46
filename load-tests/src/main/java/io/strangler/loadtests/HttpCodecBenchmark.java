package io.strangler.loadtests;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.strangler.proxy.exchange.HopByHop;
import io.strangler.proxy.inbound.StrictRequestDecoder;
import io.strangler.proxy.inbound.StrictServerCodec;
import io.strangler.proxy.upstream.UpstreamHttpCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What Netty's HTTP/1.1 codec costs per message on one thread, for the messages a proxy handles per request: the
 * client's request decoded and re-encoded for the upstream, the upstream's response decoded and re-encoded for the
 * client; the request decoded by our decoder ({@code listen.requestDecoder: strangler}) and encoded from the
 * header views it makes; and the response decoded by the upstream codec's fast path
 * ({@code upstreams.<id>.responseDecoder: strangler}) and encoded from its views. Beside them, {@code copyRequestHead}: copying the same request's bytes into a new buffer,
 * the floor for a proxy that forwards a header block as bytes. The difference is what a codec of our own could save
 * at most (docs/performance.md, "overhead").
 *
 * <p>The request carries the headers of a browser's API call (about 575 bytes in all); the response those of a JSON
 * answer from nginx (about 200 bytes) and a 70-byte body. Each operation goes through an {@link EmbeddedChannel}
 * holding only that decoder or encoder (the proxy's codecs are these plus a queue pairing requests with responses),
 * so a little of each figure is the channel's own bookkeeping. Decoders validate header names and values as the
 * proxy's do.
 *
 * <p>Run: {@code java -jar load-tests/target/strangler-benchmarks.jar HttpCodecBenchmark -t 1 -f 1 -wi 3 -w 2s -i 5
 * -r 2s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HttpCodecBenchmark {

    static final String REQUEST = request();

    static final String BODY = "{\"id\":1,\"name\":\"widget\",\"price\":9.99,\"tags\":[\"a\",\"b\"],\"inStock\":true}";

    static final String RESPONSE = "HTTP/1.1 200 OK\r\n"
            + "Server: nginx/1.22.1\r\n"
            + "Date: Wed, 02 Dec 2026 10:00:00 GMT\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: " + BODY.length() + "\r\n"
            + "Connection: keep-alive\r\n"
            + "Cache-Control: no-store\r\n"
            + "\r\n" + BODY;

    /** A browser's API call: the request line, {@code Host} and {@link LoadGenerator#BROWSER_HEADERS}. */
    static String request() {
        StringBuilder sb = new StringBuilder("GET /api/orders/12345/items?expand=prices&page=2 HTTP/1.1\r\n"
                + "Host: shop.example.com\r\n");
        for (Map.Entry<String, String> h : LoadGenerator.BROWSER_HEADERS) {
            sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    private final byte[] requestBytes = REQUEST.getBytes(StandardCharsets.US_ASCII);
    private final byte[] responseBytes = RESPONSE.getBytes(StandardCharsets.US_ASCII);
    private EmbeddedChannel requestDecoder;
    private EmbeddedChannel strictRequestDecoder;
    private EmbeddedChannel requestEncoder;
    private EmbeddedChannel responseDecoder;
    private EmbeddedChannel upstreamCodec;
    private EmbeddedChannel responseEncoder;
    private HttpHeaders requestHeaders;
    private HttpHeaders strictRequestHeaders;
    private HttpHeaders responseHeaders;
    private HttpHeaders upstreamResponseHeaders;
    private EmbeddedChannel upstreamExchange;
    private EmbeddedChannel clientExchange;
    private HttpHeaders forwardedRequestHeaders;
    private HttpHeaders servedResponseHeaders;

    @Setup(Level.Trial)
    public void setUp() {
        requestDecoder = new EmbeddedChannel(new HttpRequestDecoder());
        strictRequestDecoder = new EmbeddedChannel(new StrictRequestDecoder(8192, 16 * 1024, 64 * 1024, m -> { }));
        requestEncoder = new EmbeddedChannel(new HttpRequestEncoder());
        responseDecoder = new EmbeddedChannel(new HttpResponseDecoder());
        upstreamCodec = new EmbeddedChannel(new UpstreamHttpCodec(new HttpDecoderConfig(), true));
        responseEncoder = new EmbeddedChannel(new HttpResponseEncoder());
        requestHeaders = decodeRequest().headers().copy();
        strictRequestHeaders = decodeRequestStrangler().headers().copy();
        responseHeaders = decodeResponse().headers().copy();
        // Not copied: a copy would turn the views into Strings. The views keep the array of their one head alive.
        upstreamResponseHeaders = decodeResponseStrangler().headers();
        upstreamExchange = new EmbeddedChannel(new UpstreamHttpCodec(new HttpDecoderConfig(), true));
        clientExchange = new EmbeddedChannel(new StrictServerCodec(8192, 16 * 1024, 64 * 1024));
        // As the exchange passes them on: the decoders' views (not copied), ours added at the end.
        forwardedRequestHeaders = decodeRequestStrangler().headers();
        forwardedRequestHeaders.remove(HttpHeaderNames.HOST);
        forwardedRequestHeaders.add(HttpHeaderNames.HOST, "127.0.0.1:8081").add("X-Forwarded-For", "127.0.0.1")
                .add("X-Forwarded-Proto", "http").add("X-Forwarded-Host", "shop.example.com")
                .add(HttpHeaderNames.VIA, "1.1 strangler").add("X-Request-Id", "0123456789abcdef0123456789abcdef");
        servedResponseHeaders = decodeResponse(upstreamCodec).headers();
        HopByHop.strip(servedResponseHeaders);
        servedResponseHeaders.add(HttpHeaderNames.VIA, "1.1 strangler");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        requestDecoder.finishAndReleaseAll();
        strictRequestDecoder.finishAndReleaseAll();
        requestEncoder.finishAndReleaseAll();
        responseDecoder.finishAndReleaseAll();
        upstreamCodec.finishAndReleaseAll();
        responseEncoder.finishAndReleaseAll();
        upstreamExchange.finishAndReleaseAll();
        clientExchange.finishAndReleaseAll();
    }

    /** The client's request head, decoded as the proxy's inbound codec does. */
    @Benchmark
    public HttpRequest decodeRequest() {
        requestDecoder.writeInbound(Unpooled.wrappedBuffer(requestBytes));
        HttpRequest head = requestDecoder.readInbound();
        ReferenceCountUtil.release(requestDecoder.readInbound()); // the empty last content
        return head;
    }

    /** The same request encoded for the upstream, as the proxy's upstream codec does. */
    @Benchmark
    public int encodeRequest() {
        return encodeRequest(requestHeaders);
    }

    /** The same request decoded by our decoder ({@code listen.requestDecoder: strangler}). */
    @Benchmark
    public HttpRequest decodeRequestStrangler() {
        strictRequestDecoder.writeInbound(Unpooled.wrappedBuffer(requestBytes));
        HttpRequest head = strictRequestDecoder.readInbound();
        ReferenceCountUtil.release(head);
        return head;
    }

    /** The request encoded for the upstream from the headers our decoder made (views of the request's bytes). */
    @Benchmark
    public int encodeRequestStrangler() {
        return encodeRequest(strictRequestHeaders);
    }

    private int encodeRequest(HttpHeaders headers) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                "/api/orders/12345/items?expand=prices&page=2", Unpooled.EMPTY_BUFFER, headers,
                HttpHeaders.EMPTY_HEADERS);
        requestEncoder.writeOutbound(request);
        return drainOutbound(requestEncoder);
    }

    /** The upstream's response, head and body in one read, decoded as the proxy's upstream codec does. */
    @Benchmark
    public HttpResponse decodeResponse() {
        return decodeResponse(responseDecoder);
    }

    /** The same response decoded by the proxy's upstream codec, which reads a plain response on its fast path. */
    @Benchmark
    public HttpResponse decodeResponseStrangler() {
        return decodeResponse(upstreamCodec);
    }

    /**
     * The response decoded by the fast path and its hop-by-hop headers stripped, as the proxy does before it goes
     * to the client (nginx's {@code Connection: keep-alive}); less {@link #decodeResponseStrangler()}, the strip's
     * cost.
     */
    @Benchmark
    public HttpResponse decodeAndStripResponseStrangler() {
        HttpResponse head = decodeResponse(upstreamCodec);
        HopByHop.strip(head.headers());
        return head;
    }

    private HttpResponse decodeResponse(EmbeddedChannel decoder) {
        decoder.writeInbound(Unpooled.wrappedBuffer(responseBytes));
        HttpResponse head = decoder.readInbound();
        ReferenceCountUtil.release(decoder.readInbound()); // the body as the last content
        return head;
    }

    /** The response encoded for the client as one message, as the proxy writes a small response. */
    @Benchmark
    public int encodeResponse() {
        return encodeResponse(responseHeaders);
    }

    /** The same, from the headers the upstream codec's fast path made (views of the response's bytes). */
    @Benchmark
    public int encodeResponseStrangler() {
        return encodeResponse(upstreamResponseHeaders);
    }

    private int encodeResponse(HttpHeaders headers) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(responseBytes, responseBytes.length - BODY.length(), BODY.length()),
                headers, HttpHeaders.EMPTY_HEADERS);
        responseEncoder.writeOutbound(response);
        return drainOutbound(responseEncoder);
    }

    /**
     * The upstream side of one proxied request through the proxy's own upstream codec: the request written from
     * the headers the exchange forwards (our decoder's views, the proxy's own added), the response read back.
     */
    @Benchmark
    public HttpResponse upstreamExchange() {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                "/api/orders/12345/items?expand=prices&page=2", Unpooled.EMPTY_BUFFER, forwardedRequestHeaders,
                HttpHeaders.EMPTY_HEADERS);
        upstreamExchange.writeOutbound(request);
        drainOutbound(upstreamExchange);
        return decodeResponse(upstreamExchange);
    }

    /**
     * The client side of one proxied request through the proxy's own client codec ({@code listen.requestDecoder:
     * strangler}): the request read, the response written from the headers the exchange serves (the fast path's
     * views, stripped of {@code Connection}, {@code Via} added).
     */
    @Benchmark
    public int clientExchange() {
        clientExchange.writeInbound(Unpooled.wrappedBuffer(requestBytes));
        ReferenceCountUtil.release(clientExchange.readInbound());
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(responseBytes, responseBytes.length - BODY.length(), BODY.length()),
                servedResponseHeaders, HttpHeaders.EMPTY_HEADERS);
        clientExchange.writeOutbound(response);
        return drainOutbound(clientExchange);
    }

    /** The floor: the request's bytes copied into a new direct buffer, as forwarding them as bytes would. */
    @Benchmark
    public int copyRequestHead() {
        ByteBuf out = ByteBufAllocator.DEFAULT.directBuffer(requestBytes.length);
        out.writeBytes(requestBytes);
        int n = out.readableBytes();
        out.release();
        return n;
    }

    private static int drainOutbound(EmbeddedChannel ch) {
        int bytes = 0;
        Object o;
        while ((o = ch.readOutbound()) != null) {
            if (o instanceof ByteBuf b) {
                bytes += b.readableBytes();
            }
            ReferenceCountUtil.release(o);
        }
        return bytes;
    }
}
