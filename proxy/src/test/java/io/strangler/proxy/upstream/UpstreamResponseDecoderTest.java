package io.strangler.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.strangler.proxy.testing.Mutations;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Our upstream response decoder against Netty's: whatever the bytes, however they are split, whatever the requests
 * were, both must emit the same messages (class, version, status and reason, header names and values in order,
 * body pieces, trailers, failures), and plain responses must actually take the fast path.
 */
class UpstreamResponseDecoderTest {

    private static final HttpDecoderConfig CONFIG = new HttpDecoderConfig()
            .setMaxHeaderSize(64 * 1024).setMaxInitialLineLength(64 * 1024);
    private static final String BODY = "{\"id\":1,\"name\":\"widget\",\"price\":9.99,\"tags\":[\"a\",\"b\"]}";

    /** Responses the fast path takes whole. */
    private static final List<String> PLAIN = List.of(
            "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Wed, 02 Dec 2026 10:00:00 GMT\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + BODY.length() + "\r\n"
                    + "Connection: keep-alive\r\n\r\n" + BODY,
            "HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\n\r\nnot found",
            "HTTP/1.1 201 Created Here\r\nLocation: /items/7\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 204 No Content\r\nX-Empty:\r\nX-Spaces:   padded value \t \r\n\r\n",
            "HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\nContent-Length: 1234\r\n\r\n",
            "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok",
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 3\r\nX-Latin: caf\u00e9 \u00ff\r\n"
                    + "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nbye",
            "HTTP/1.1 299 Whatever It Says\r\nContent-Length: 00012\r\n\r\nhello world!",
            "HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n" + "x".repeat(20000),
            // A head longer than the first copy the fast path makes (1 KiB), shorter than what it takes (4 KiB).
            "HTTP/1.1 200 OK\r\nSet-Cookie: session=" + "c".repeat(1500) + "\r\nContent-Length: 2\r\n\r\nok");

    /** Responses the fast path leaves to Netty's decoder, valid and not. */
    private static final List<String> OTHER = List.of(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n"
                    + "X-Trailer: t\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nread until the connection closes",
            "HTTP/1.0 200 OK\r\n\r\nclose-delimited",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u0001\u0002",
            // A 101 with a body of its own (an old WebSocket handshake), then what looks like a response.
            "HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
                    + "Content-Length: 2\r\n\r\nabHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-Folded: first\r\n  second\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
            "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1  200  OK  \r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc",
            "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 600 Beyond\r\nContent-Length: 0\r\n\r\n",
            "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
            "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-Bad: a\u0001b\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-Bad: a\rb\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-Long: " + "v".repeat(5000) + "\r\nContent-Length: 0\r\n\r\n",
            "garbage\r\n\r\n",
            "HTTP/1.1 2x0 OK\r\n\r\n");

    /**
     * For the fuzz test: buffers the leak detector does not follow. At the paranoid level every access to a tracked
     * buffer records a stack trace, which made 20,000 comparisons take 35 s; the other tests keep the tracked
     * allocator, and so do the integration tests.
     */
    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(false, true);

    /**
     * What one decoder made of a connection on which {@code methods} were sent and {@code input} came back, fed in
     * pieces of {@code step} bytes, then closed if {@code close}; one line per message.
     */
    private static List<String> decode(boolean fast, List<HttpMethod> methods, byte[] input, int step, boolean close,
            ByteBufAllocator alloc) {
        EmbeddedChannel ch = new EmbeddedChannel(new UpstreamHttpCodec(CONFIG, fast));
        ch.config().setAllocator(alloc);
        for (HttpMethod m : methods) {
            ch.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, m, "/"));
        }
        Object sent;
        while ((sent = ch.readOutbound()) != null) {
            ReferenceCountUtil.release(sent);
        }
        List<String> out = new ArrayList<>();
        try {
            for (int i = 0; i < input.length; i += step) {
                ch.writeInbound(Unpooled.copiedBuffer(input, i, Math.min(step, input.length - i)));
            }
            if (close) {
                ch.finish();
            }
        } catch (RuntimeException e) {
            out.add("THROWN " + e.getClass().getSimpleName());
        }
        Object o;
        List<String> messages = new ArrayList<>();
        while ((o = ch.readInbound()) != null) {
            messages.add(describe(o));
            ReferenceCountUtil.release(o);
        }
        messages.addAll(out);
        ch.finishAndReleaseAll();
        return messages;
    }

    private static String describe(Object o) {
        if (!(o instanceof HttpObject m)) {
            return o.getClass().getSimpleName(); // raw bytes after an upgrade
        }
        StringBuilder sb = new StringBuilder(o.getClass().getSimpleName());
        if (m.decoderResult().isFailure()) {
            Throwable cause = m.decoderResult().cause();
            sb.append(" FAILED ").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage());
        }
        if (o instanceof HttpResponse r) {
            sb.append(' ').append(r.protocolVersion()).append(' ').append(r.status().code()).append(" '")
                    .append(r.status().reasonPhrase()).append('\'');
            headers(sb, r.headers().iteratorCharSequence());
        }
        if (o instanceof HttpContent c) {
            sb.append(" body[").append(c.content().toString(StandardCharsets.ISO_8859_1)).append(']');
        }
        if (o instanceof LastHttpContent last) {
            sb.append(" last");
            headers(sb, last.trailingHeaders().iteratorCharSequence());
        }
        return sb.toString();
    }

    private static void headers(StringBuilder sb, Iterator<Map.Entry<CharSequence, CharSequence>> it) {
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            sb.append(" {").append(h.getKey()).append(": ").append(h.getValue()).append('}');
        }
    }

    private static void assertSameAsNetty(List<HttpMethod> methods, String input, int step, boolean close) {
        assertSameAsNetty(methods, input, step, close, ByteBufAllocator.DEFAULT);
    }

    private static void assertSameAsNetty(List<HttpMethod> methods, String input, int step, boolean close,
            ByteBufAllocator alloc) {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        List<String> netty = decode(false, methods, bytes, step, close, alloc);
        List<String> ours = decode(true, methods, bytes, step, close, alloc);
        String shown = input.length() > 300 ? input.substring(0, 300) + "..." : input;
        assertThat(ours).as("%s in pieces of %d%s, after %s", shown.replace("\r", "\\r").replace("\n", "\\n"),
                step, close ? ", then closed" : "", methods).isEqualTo(netty);
    }

    @Test
    void shouldReadEveryResponseAsNettysDecoderDoesWhicheverWayTheBytesArrive() {
        List<String> all = new ArrayList<>(PLAIN);
        all.addAll(OTHER);
        for (String response : all) {
            for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.CONNECT)) {
                // Long responses byte by byte only cost time: their heads are what the small steps are for.
                int[] steps = response.length() > 1000 ? new int[] {Integer.MAX_VALUE, 17, 1000}
                        : new int[] {Integer.MAX_VALUE, 1, 3, 17, 100};
                for (int step : steps) {
                    assertSameAsNetty(List.of(method), response, step, false);
                    assertSameAsNetty(List.of(method), response, step, true);
                }
            }
        }
    }

    @Test
    void shouldTakePlainResponsesOnTheFastPathAndTheOthersOnNettys() {
        for (String response : PLAIN) {
            assertThat(headerValueTypes(true, response)).as(response).containsOnly(AsciiString.class);
            assertThat(headerValueTypes(false, response)).as(response).doesNotContain(AsciiString.class);
        }
        for (String response : OTHER) {
            assertThat(headerValueTypes(true, response)).as(response).doesNotContain(AsciiString.class);
        }
    }

    /** The classes of the header values of the first response decoded; views ({@link AsciiString}) are ours. */
    private static List<Class<?>> headerValueTypes(boolean fast, String response) {
        EmbeddedChannel ch = new EmbeddedChannel(new UpstreamHttpCodec(CONFIG, fast));
        ch.writeInbound(Unpooled.copiedBuffer(response, StandardCharsets.ISO_8859_1));
        List<Class<?>> types = new ArrayList<>();
        Object o = ch.readInbound();
        if (o instanceof HttpResponse r && r.decoderResult().isSuccess()) {
            r.headers().iteratorCharSequence().forEachRemaining(h -> types.add(h.getValue().getClass()));
        }
        ReferenceCountUtil.release(o);
        ch.finishAndReleaseAll();
        return types;
    }

    @Test
    void shouldPairPipelinedResponsesWithTheirRequestsAcrossBothPaths() {
        String chunked = OTHER.get(0);
        String interim = "HTTP/1.1 100 Continue\r\n\r\n";
        String withLength = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        // The answer to HEAD carries a Content-Length but no body; the fast and Netty's paths take turns.
        String input = withLength + "hello" + withLength + chunked + interim + withLength + "world" + PLAIN.get(1);
        List<HttpMethod> methods = List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.GET, HttpMethod.POST,
                HttpMethod.GET);
        for (int step : new int[] {Integer.MAX_VALUE, 1, 5, 64}) {
            assertSameAsNetty(methods, input, step, false);
        }
        List<String> ours = decode(true, methods, input.getBytes(StandardCharsets.ISO_8859_1), Integer.MAX_VALUE,
                false, ByteBufAllocator.DEFAULT);
        assertThat(ours).filteredOn(s -> s.startsWith("DefaultHttpResponse")).hasSize(6);
        assertThat(ours.get(2)).startsWith("DefaultHttpResponse HTTP/1.1 200 'OK' {Content-Length: 5}");
        assertThat(ours.get(3)).isEqualTo(" body[] last"); // Netty's EMPTY_LAST_CONTENT, an anonymous class
    }

    @Test
    void shouldEndNothingWhenTheConnectionClosesMidBodyOrMidHead() {
        String cutBody = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf";
        String cutHead = "HTTP/1.1 200 OK\r\nContent-Len";
        for (String input : List.of(cutBody, cutHead)) {
            for (int step : new int[] {Integer.MAX_VALUE, 1, 7}) {
                assertSameAsNetty(List.of(HttpMethod.GET), input, step, true);
            }
        }
        List<String> ours = decode(true, List.of(HttpMethod.GET), cutBody.getBytes(StandardCharsets.ISO_8859_1),
                Integer.MAX_VALUE, true, ByteBufAllocator.DEFAULT);
        assertThat(ours).hasSize(2);
        assertThat(ours.get(1)).isEqualTo("DefaultHttpContent body[half]");
        assertThat(decode(true, List.of(HttpMethod.GET), cutHead.getBytes(StandardCharsets.ISO_8859_1),
                Integer.MAX_VALUE, true, ByteBufAllocator.DEFAULT)).singleElement().asString()
                .contains("FAILED PrematureChannelClosureException");
    }

    /**
     * Differential fuzzing: responses with random bytes replaced, inserted or removed, after random requests, split
     * at random; ours must read every one exactly as Netty's does, valid or not. The seed is fixed, so a failure
     * reproduces; the mutated input is in the message.
     */
    @Test
    void shouldReadMutatedResponsesExactlyAsNettysDecoderDoes() {
        Random random = new Random(20261202);
        byte[] interesting = " \t\r\n:;,0123456789abcdefABCDEF-/HTP.\u0000\u007f\u0080\u00ff".getBytes(
                StandardCharsets.ISO_8859_1);
        List<String> all = new ArrayList<>();
        PLAIN.stream().filter(r -> r.length() < 1000).forEach(all::add);
        OTHER.stream().filter(r -> r.length() < 1000).forEach(all::add);
        int fastAndValid = 0;
        List<HttpMethod> choices = List.of(HttpMethod.GET, HttpMethod.GET, HttpMethod.POST, HttpMethod.HEAD,
                HttpMethod.CONNECT);
        for (int n = 0; n < 20_000; n++) {
            String first = all.get(random.nextInt(all.size()));
            String second = all.get(random.nextInt(all.size()));
            byte[] input = (first + second).getBytes(StandardCharsets.ISO_8859_1);
            int edits = random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                input = Mutations.mutate(input, random, interesting);
            }
            List<HttpMethod> methods = List.of(choices.get(random.nextInt(choices.size())),
                    choices.get(random.nextInt(choices.size())));
            int step = random.nextInt(3) == 0 ? Integer.MAX_VALUE : 1 + random.nextInt(random.nextBoolean() ? 8 : 80);
            boolean close = random.nextBoolean();
            String text = new String(input, StandardCharsets.ISO_8859_1);
            assertSameAsNetty(methods, text, step, close, UNTRACKED);
            if (headerValueTypes(true, text).contains(AsciiString.class)) {
                fastAndValid++;
            }
        }
        // Enough mutated inputs must still take the fast path for the comparison to test it.
        assertThat(fastAndValid).isGreaterThan(1_000);
    }
}
