package io.strangler.proxy.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.strangler.proxy.testing.Mutations;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class StrictRequestDecoderTest {

    private static final int MAX_LINE = 1024;
    private static final int MAX_HEADERS = 2048;

    private final List<HttpMethod> methods = new ArrayList<>();

    private EmbeddedChannel ours() {
        return new EmbeddedChannel(new StrictRequestDecoder(MAX_LINE, MAX_HEADERS, 64 * 1024, methods::add));
    }

    /** Everything the decoder emits for {@code input} fed in pieces of {@code step} bytes, as text. */
    private static List<String> decode(EmbeddedChannel ch, String input, int step) {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += step) {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(step, bytes.length - i)));
        }
        List<String> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add(describe((HttpObject) o));
            ReferenceCountUtil.release(o);
        }
        ch.finishAndReleaseAll();
        return merge(out);
    }

    /** One line per message: head (method, target, version, headers as sent), body bytes, trailers, failure. */
    private static String describe(HttpObject o) {
        StringBuilder sb = new StringBuilder();
        if (o.decoderResult().isFailure()) {
            return "FAILED " + o.decoderResult().cause().getClass().getSimpleName();
        }
        if (o instanceof HttpRequest r) {
            sb.append(r.method()).append(' ').append(r.uri()).append(' ').append(r.protocolVersion());
            for (Map.Entry<String, String> h : r.headers()) {
                sb.append(" | ").append(h.getKey()).append('=').append(h.getValue());
            }
        }
        if (o instanceof HttpContent c && c.content().isReadable()) {
            sb.append(" body=").append(c.content().toString(StandardCharsets.ISO_8859_1));
        }
        if (o instanceof LastHttpContent last) {
            for (Map.Entry<String, String> h : last.trailingHeaders()) {
                sb.append(" trailer ").append(h.getKey()).append('=').append(h.getValue());
            }
            sb.append(" END");
        }
        return sb.toString();
    }

    /**
     * Joins each request's pieces into one line, so that outputs cut differently (a whole request, or head and
     * body pieces) compare equal when they say the same.
     */
    private static List<String> merge(List<String> pieces) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String p : pieces) {
            if (p.startsWith("FAILED") && !current.isEmpty()) {
                out.add(current + " (incomplete)");
                current.setLength(0);
            }
            current.append(p);
            if (p.endsWith("END") || p.startsWith("FAILED")) {
                out.add(current.toString().replace(" body=", "").replaceFirst("^ ", ""));
                current.setLength(0);
            }
        }
        if (!current.isEmpty()) {
            out.add(current + " (incomplete)");
        }
        return out;
    }

    private static List<String> netty(String input) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_LINE).setMaxHeaderSize(MAX_HEADERS)));
        return decode(ch, input, Integer.MAX_VALUE);
    }

    private static final List<String> VALID = List.of(
            "GET /api/items?x=1 HTTP/1.1\r\nHost: shop\r\nAccept: */*\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Spaces:   padded value \t \r\nx-dup: 1\r\nX-Dup: 2\r\n\r\n",
            "POST /orders HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
            "PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;name=v\r\nhello\r\n6\r\n world\r\n0\r\n"
                    + "X-Checksum: abc\r\n\r\n",
            "DELETE /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
            "POST /q HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\"x y\";b\r\nabc\r\n0\r\n\r\n",
            "GET /old HTTP/1.0\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            "PATCH /p HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}GET /second HTTP/1.1\r\nHost: b\r\n\r\n",
            "\r\n\r\nGET /after-empty-lines HTTP/1.1\r\nHost: a\r\n\r\n",
            "HEAD /h HTTP/1.1\r\nHost: a\r\nUser-Agent: M\u00fcller/1.0 (obs-text \u00e9)\r\n\r\n");

    @Test
    void shouldDecodeValidRequestsAsNettysDecoderDoesWhicheverWayTheBytesArrive() {
        for (String request : VALID) {
            List<String> expected = netty(request);
            assertThat(expected).as("Netty's reading of %s", request).noneMatch(s -> s.startsWith("FAILED"));
            for (int step : new int[] {Integer.MAX_VALUE, 1, 2, 7, 64}) {
                assertThat(decode(ours(), request, step)).as("%s in pieces of %d", request, step)
                        .isEqualTo(expected);
            }
        }
    }

    /**
     * Differential fuzzing against Netty's decoder: valid requests with random bytes replaced, inserted or removed.
     * Whatever ours accepts, Netty's must accept and read the same way (method, target, headers, body, trailers),
     * so that switching decoders never changes what a request means; ours may refuse more. The seed is fixed, so
     * a failure reproduces; the mutated input is in the message.
     */
    @Test
    void shouldNeverAcceptARequestNettysDecoderRefusesOrReadItDifferently() {
        Random random = new Random(20261202);
        byte[] interesting = " \t\r\n:;,0123456789abcdefABCDEF-/?\u0000\u007f\u0080\u00ff".getBytes(
                StandardCharsets.ISO_8859_1);
        int acceptedByBoth = 0;
        for (int n = 0; n < 20_000; n++) {
            byte[] input = VALID.get(random.nextInt(VALID.size())).getBytes(StandardCharsets.ISO_8859_1);
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                input = Mutations.mutate(input, random, interesting);
            }
            String text = new String(input, StandardCharsets.ISO_8859_1);
            List<String> ours = decode(ours(), text, Integer.MAX_VALUE);
            List<String> accepted = new ArrayList<>();
            for (String line : ours) {
                if (line.startsWith("FAILED") || line.endsWith("(incomplete)")) {
                    break;
                }
                accepted.add(line);
            }
            if (accepted.isEmpty()) {
                continue;
            }
            String shown = text.replace("\r", "\\r").replace("\n", "\\n");
            assertThat(netty(text)).as("Netty's reading of %s", shown).startsWith(accepted.toArray(new String[0]));
            int step = 1 + random.nextInt(40);
            assertThat(decode(ours(), text, step)).as("ours in pieces of %d: %s", step, shown).isEqualTo(ours);
            acceptedByBoth++;
        }
        // Most mutations break the request; enough must survive for the comparison to mean something.
        assertThat(acceptedByBoth).isGreaterThan(2_000);
    }

    @Test
    void shouldEmitARequestWithoutBodyAsOneMessageAndTellTheCodecEveryMethodInOrder() {
        EmbeddedChannel ch = ours();
        ch.writeInbound(Unpooled.copiedBuffer("GET /a HTTP/1.1\r\nHost: a\r\n\r\nHEAD /b HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /c HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx", StandardCharsets.US_ASCII));
        Object first = ch.readInbound();
        assertThat(first).isInstanceOf(FullHttpRequest.class);
        assertThat(((FullHttpRequest) first).content().isReadable()).isFalse();
        ReferenceCountUtil.release(first);
        ch.finishAndReleaseAll();
        assertThat(methods).containsExactly(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "GARBAGE\r\n\r\n",
            "GET\r\nHost: a\r\n\r\n",
            "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
            "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
            "GET / http/1.1\r\nHost: a\r\n\r\n",
            "GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /a\u007fb HTTP/1.1\r\nHost: a\r\n\r\n",
            "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nThis is not a header\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Name : v\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n: no name\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Bad\u0000Name: v\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Ctl: a\u0001b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Del: a\u007fb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Cr: a\rb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n\rX-Hidden: v\r\n\r\n",
            "GET /lf-only HTTP/1.1\nHost: a\nAccept: text/plain\n\n",
            "GET / HTTP/1.1\r\nHost: a\nAccept: text/plain\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: twelve\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\u000bchunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a\u0000b\r\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\r\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;=b\r\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\"open\r\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n123456789\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnot a trailer\r\n\r\n"})
    void shouldRefuseMalformedAndAmbiguousRequestsAndReadNothingAfterThem(String bad) {
        String followedByValid = bad + "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
        for (int step : new int[] {Integer.MAX_VALUE, 1}) {
            List<String> out = decode(ours(), followedByValid, step);
            assertThat(out).as("%s in pieces of %d", bad, step).isNotEmpty();
            assertThat(out.get(out.size() - 1)).as("%s in pieces of %d", bad, step)
                    .isEqualTo("FAILED IllegalArgumentException");
            assertThat(String.join("\n", out)).doesNotContain("/smuggled");
        }
    }

    @Test
    void shouldFindAForbiddenByteAtAnyPositionOfALongValueOrTarget() {
        // Values and targets are scanned eight bytes at a time; a control byte or DEL in any lane must stop it.
        for (int at = 0; at < 24; at++) {
            for (char bad : new char[] {'\u0000', '\u0001', '\t', '\r', '\u001f', '\u007f'}) {
                String value = "v".repeat(at) + bad + "w".repeat(24 - at);
                List<String> out = decode(ours(), "GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + value + "\r\n\r\n",
                        Integer.MAX_VALUE);
                assertThat(out).as("0x%x at %d of a value", (int) bad, at)
                        .containsExactly(bad == '\t' // a tab is allowed, but leading whitespace is not the value's
                                ? "GET / HTTP/1.1 | Host=a | X-Long=" + value.replaceFirst("^\t", "") + " END"
                                : "FAILED IllegalArgumentException");
                if (bad != '\t') {
                    String target = "/" + "t".repeat(at) + bad + "u".repeat(24 - at);
                    assertThat(decode(ours(), "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n", Integer.MAX_VALUE))
                            .as("0x%x at %d of the target", (int) bad, at)
                            .containsExactly("FAILED IllegalArgumentException");
                }
            }
            String obsText = "\u0080\u00ff\u00a0".repeat(at) + "\u00e9";
            assertThat(decode(ours(), "GET /\u00e9" + obsText + " HTTP/1.1\r\nHost: a\r\nX-Obs: " + obsText
                    + "\r\n\r\n", Integer.MAX_VALUE))
                    .containsExactly("GET /\u00e9" + obsText + " HTTP/1.1 | Host=a | X-Obs=" + obsText + " END");
        }
    }

    @Test
    void shouldTellA414FromA431WhetherOrNotTheHeadIsComplete() {
        String longLine = "GET /" + "p".repeat(MAX_LINE + 10) + " HTTP/1.1\r\nHost: a\r\n\r\n";
        String bigHeaders = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(MAX_HEADERS + 10) + "\r\n\r\n";
        String manyHeaders = "GET / HTTP/1.1\r\nHost: a\r\n" + "X-H: v\r\n".repeat(MAX_HEADERS / 8 + 1) + "\r\n";
        String bigTrailers = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: "
                + "t".repeat(MAX_HEADERS + 10) + "\r\n\r\n";
        for (int step : new int[] {Integer.MAX_VALUE, 100}) {
            assertThat(decode(ours(), longLine, step)).containsExactly("FAILED TooLongHttpLineException");
            assertThat(decode(ours(), longLine.substring(0, MAX_LINE + 8), step))
                    .containsExactly("FAILED TooLongHttpLineException");
            assertThat(decode(ours(), bigHeaders, step)).containsExactly("FAILED TooLongHttpHeaderException");
            assertThat(decode(ours(), bigHeaders.substring(0, MAX_HEADERS + 40), step))
                    .containsExactly("FAILED TooLongHttpHeaderException");
            assertThat(decode(ours(), manyHeaders, step)).containsExactly("FAILED TooLongHttpHeaderException");
            assertThat(decode(ours(), bigTrailers, step)).last().isEqualTo("FAILED TooLongHttpHeaderException");
        }
    }

    @Test
    void shouldAcceptHeadsRightAtTheLimits() {
        String target = "/" + "p".repeat(MAX_LINE - "GET  HTTP/1.1".length() - 1);
        String atLineLimit = "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n";
        assertThat(("GET " + target + " HTTP/1.1").length()).isEqualTo(MAX_LINE);
        assertThat(decode(ours(), atLineLimit, Integer.MAX_VALUE)).containsExactly(
                "GET " + target + " HTTP/1.1 | Host=a END");
    }

    @Test
    void shouldHandOutBodiesAsSlicesWithoutLeaking() {
        EmbeddedChannel ch = ours();
        ByteBuf in = Unpooled.copiedBuffer("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
                StandardCharsets.US_ASCII);
        ch.writeInbound(in);
        assertThat(in.refCnt()).isEqualTo(1); // the body's slice holds it
        Object head = ch.readInbound();
        Object body = ch.readInbound();
        assertThat(body).isInstanceOf(LastHttpContent.class);
        ReferenceCountUtil.release(head);
        ReferenceCountUtil.release(body);
        assertThat(in.refCnt()).isZero();
        assertThat(ch.finish()).isFalse();
    }
}
