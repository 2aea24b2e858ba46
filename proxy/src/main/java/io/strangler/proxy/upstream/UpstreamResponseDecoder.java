package io.strangler.proxy.upstream;

import static io.strangler.proxy.exchange.HeadBytes.indexOfLf;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.strangler.proxy.exchange.HeadBytes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Decodes an upstream's responses: plain ones itself, everything else with Netty's decoder.
 *
 * <p>A response from a legacy system must be read exactly as Netty's decoder reads it: refusing one that Netty
 * accepts, or reading it differently, would change live traffic. So this decoder has a fast path for the common,
 * unambiguous shape (with {@code fast} set; {@code upstreams.<id>.responseDecoder: strangler}) and hands any other
 * response, from its first byte, to Netty's {@link HttpResponseDecoder}, to the end of that response. The fast path
 * takes a response whose head arrived whole (at most {@link #FAST_HEAD_BYTES}), with every line ending in CRLF,
 * the status line {@code HTTP/1.1|HTTP/1.0 SP 3DIGIT SP reason}, a final status (2xx to 5xx), header names that are
 * tokens directly followed by the colon, values of visible characters, obs-text, spaces and tabs, no folded line,
 * no {@code Transfer-Encoding}, and at most one {@code Content-Length}, a plain decimal; and a body framed by that
 * {@code Content-Length} or none at all (a response to {@code HEAD}, a 2xx to {@code CONNECT}, 204, 304). A chunked
 * or close-delimited body, a 1xx, a bare LF, an odd status line or a header Netty would refuse or rewrite all take
 * Netty's path. For what it takes, it emits what Netty's decoder emits (the same message classes, statuses,
 * versions, header names and values in order, body pieces), which a differential test holds it to; it only
 * costs less, because it copies the head once and hands out header names and values as views of that copy (which
 * the client-side encoder then copies in one piece each).
 *
 * <p>One instance per upstream channel, confined to its event loop.
 */
final class UpstreamResponseDecoder extends ByteToMessageDecoder {

    /** Longest head the fast path takes; a longer one, or one split over several reads, goes to Netty's path. */
    static final int FAST_HEAD_BYTES = 4096;
    /** What is copied first to look for the head's end in. */
    private static final int FIRST_COPY_BYTES = 1024;
    /** Reads a head may take to arrive whole before it is handed to Netty's decoder, which reads it line by line. */
    private static final int FAST_HEAD_READS = 4;
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    // The fast path validates every name and value itself (as Netty's validating headers would); the map need not.
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private enum State { HEAD, BODY, NETTY }

    private final HttpDecoderConfig config;
    private final ArrayDeque<HttpMethod> sent;
    private final boolean fast;
    private State state;
    private NettyDecoder netty;
    /** Longest head the fast path takes: {@link #FAST_HEAD_BYTES}, or less if Netty's limits are lower. */
    private final int fastHeadBytes;
    /** Reads so far that did not hold the whole head. */
    private int partialReads;
    /** Set by {@link #headLength} when the head is not whole: where its last complete line ends. */
    private int linesEnd;
    /** Whether a 101 went through Netty's decoder: it then keeps every byte that follows. */
    private boolean switched;
    /** Body bytes still to come on the fast path. */
    private long remaining;
    private final HeadBytes.HeaderLine line = new HeadBytes.HeaderLine();

    /**
     * @param sent the methods of the requests written and not yet answered, oldest first (the request encoder adds
     *             to it, this decoder takes from it when a final response begins)
     * @param fast whether to take plain responses on the fast path, or give every response to Netty's decoder
     */
    UpstreamResponseDecoder(HttpDecoderConfig config, ArrayDeque<HttpMethod> sent, boolean fast) {
        this.config = config;
        this.sent = sent;
        this.fast = fast;
        this.fastHeadBytes = Math.min(FAST_HEAD_BYTES,
                Math.min(config.getMaxInitialLineLength(), config.getMaxHeaderSize()));
        this.state = fast ? State.HEAD : State.NETTY;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        switch (state) {
            case HEAD -> readHead(ctx, in, out);
            case BODY -> readBody(in, out);
            case NETTY -> readWithNetty(ctx, in, out);
            default -> throw new IllegalStateException(state.toString());
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        switch (state) {
            case NETTY -> netty().decodeLastPart(ctx, in, out);
            case HEAD -> {
                if (in.isReadable()) {
                    // A head cut short by the close: Netty's decoder reports it as its own path would.
                    state = State.NETTY;
                    netty().decodeLastPart(ctx, in, out);
                }
            }
            case BODY -> {
                // Closed before Content-Length bytes came: Netty's decoder emits nothing more (the connection's
                // handler sees the close and fails the exchange).
                state = State.HEAD;
                remaining = 0;
            }
            default -> throw new IllegalStateException(state.toString());
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        if (netty != null) {
            netty.handlerRemoved(ctx); // frees its line buffer
        }
    }

    private NettyDecoder netty() {
        if (netty == null) {
            netty = new NettyDecoder(config);
        }
        return netty;
    }

    private void readWithNetty(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        int before = out.size();
        netty().decodePart(ctx, in, out);
        if (!fast || out.size() == before) {
            return;
        }
        for (int k = before; k < out.size(); k++) {
            if (out.get(k) instanceof HttpResponse r
                    && r.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                // After it the connection may not carry HTTP/1.1 any more (even once a body of its own has
                // ended): Netty's decoder keeps the connection to the end.
                switched = true;
            }
        }
        if (switched) {
            return;
        }
        Object last = out.get(out.size() - 1);
        if (last instanceof LastHttpContent content && content.decoderResult().isSuccess()) {
            // Netty's decoder is back at the start of a message; so is the fast path.
            state = State.HEAD;
            partialReads = 0;
        }
    }

    // ---- the fast path -----------------------------------------------------------------------------------------

    private void readHead(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        int available = Math.min(in.readableBytes(), fastHeadBytes);
        // Most heads are a few hundred bytes, and a read may hold a large body behind one: copy a little first.
        byte[] h = new byte[Math.min(available, FIRST_COPY_BYTES)];
        in.getBytes(in.readerIndex(), h);
        int headLength = headLength(h);
        if (headLength == 0 && h.length < available) {
            h = new byte[available];
            in.getBytes(in.readerIndex(), h);
            headLength = headLength(h);
        }
        if (headLength == 0 && available < fastHeadBytes && ++partialReads < FAST_HEAD_READS
                && parse(h, linesEnd, false, out)) {
            // Wait for the rest of the head. Netty's decoder would not have emitted anything yet either: the lines
            // so far are all ones it accepts (had one not been, it would have failed the response by now, so it
            // takes over at once).
            return;
        }
        if (headLength <= 0 || !parse(h, headLength, true, out)) {
            state = State.NETTY;
            readWithNetty(ctx, in, out);
            return;
        }
        partialReads = 0;
        in.skipBytes(headLength);
        if (state == State.BODY && in.isReadable()) {
            readBody(in, out);
        }
    }

    /**
     * The length of the head at the start of {@code h} up to and with its empty line; 0 if {@code h} does not hold
     * its end yet (then {@link #linesEnd} is where its last complete line ends); -1 if a line ends in LF without CR
     * or the head does not start with a status line's first byte (Netty's decoder decides what those are).
     */
    private int headLength(byte[] h) {
        if (h.length == 0 || h[0] != 'H') {
            return -1;
        }
        int pos = 0;
        int lf;
        while ((lf = indexOfLf(h, pos, h.length)) >= 0) {
            if (lf == pos || h[lf - 1] != CR) {
                return -1;
            }
            if (lf == pos + 1) {
                return lf + 1;
            }
            pos = lf + 1;
        }
        linesEnd = pos;
        return 0;
    }

    /**
     * Parses the head in {@code h[0, n)}. If {@code complete} ({@code n} ends with the empty line) and the fast
     * path takes it, emits it (and an empty body) and returns true. If not {@code complete} ({@code n} is the end
     * of the lines that arrived whole), returns true if the fast path takes every one of them, emitting nothing.
     * Returns false, having emitted and taken nothing, for anything it leaves to Netty's decoder.
     */
    private boolean parse(byte[] h, int n, boolean complete, List<Object> out) {
        if (n == 0) {
            return !complete; // not even the status line yet
        }
        // The status line: "HTTP/1.x" SP 3DIGIT SP reason CRLF; a final status (2xx to 5xx).
        if (n < 16 || h[0] != 'H' || h[1] != 'T' || h[2] != 'T' || h[3] != 'P' || h[4] != '/' || h[5] != '1'
                || h[6] != '.' || (h[7] != '1' && h[7] != '0') || h[8] != ' ' || h[12] != ' '
                || h[9] < '2' || h[9] > '5' || !isDigit(h[10]) || !isDigit(h[11])) {
            return false;
        }
        HttpVersion version = h[7] == '1' ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
        int code = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
        int reasonStart = 13;
        int i = reasonStart;
        while (h[i] != CR) {
            int b = h[i] & 0xFF;
            if (b < 0x20 || b == 0x7F) {
                return false;
            }
            i++;
        }
        int reasonEnd = i;
        if (h[i + 1] != LF || reasonEnd == reasonStart || h[reasonStart] == ' ' || h[reasonEnd - 1] == ' ') {
            return false; // Netty trims these; an empty reason it makes its own status of
        }
        i += 2;

        HttpHeaders headers = complete ? HEADERS.newHeaders() : null;
        long contentLength = -1;
        int headersEnd = complete ? n - 2 : n;
        while (i < headersEnd) {
            int next = line.read(h, i);
            if (next < 0) {
                return false;
            }
            AsciiString name = line.name();
            if (name.contentEqualsIgnoreCase(HttpHeaderNames.CONTENT_LENGTH)) {
                if (contentLength >= 0) {
                    return false;
                }
                contentLength = HeadBytes.contentLength(line.value());
                if (contentLength < 0) {
                    return false;
                }
            } else if (name.contentEqualsIgnoreCase(HttpHeaderNames.TRANSFER_ENCODING)) {
                return false;
            }
            if (headers != null) {
                headers.add(name, line.value());
            }
            i = next;
        }
        if (!complete) {
            return true;
        }

        HttpResponseStatus status = status(code, h, reasonStart, reasonEnd);
        HttpMethod method = sent.peekFirst();
        boolean bodiless = HttpMethod.HEAD.equals(method) || code == 204 || code == 304
                || (HttpMethod.CONNECT.equals(method) && status.codeClass() == HttpStatusClass.SUCCESS);
        if (!bodiless && contentLength < 0) {
            return false; // the body ends when the connection does
        }
        sent.pollFirst();
        out.add(new DefaultHttpResponse(version, status, headers));
        if (bodiless || contentLength == 0) {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            remaining = contentLength;
            state = State.BODY;
        }
        return true;
    }

    /** Netty's status for the code if its reason is the standard one (as Netty's decoder returns), else a new one. */
    private static HttpResponseStatus status(int code, byte[] h, int from, int to) {
        HttpResponseStatus known = HttpResponseStatus.valueOf(code);
        String reason = known.reasonPhrase();
        if (reason.length() == to - from) {
            int k = 0;
            while (k < reason.length() && reason.charAt(k) == (h[from + k] & 0xFF)) {
                k++;
            }
            if (k == reason.length()) {
                return known;
            }
        }
        return new HttpResponseStatus(code, new String(h, from, to - from, StandardCharsets.ISO_8859_1));
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** The body: pieces of at most the configured chunk size, retained slices of what was read. */
    private void readBody(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(Math.min(remaining, in.readableBytes()), config.getMaxChunkSize());
        if (n == 0) {
            return;
        }
        ByteBuf piece = in.readRetainedSlice(n);
        remaining -= n;
        if (remaining == 0) {
            out.add(new DefaultLastHttpContent(piece, config.getTrailersFactory()));
            state = State.HEAD;
        } else {
            out.add(new DefaultHttpContent(piece));
        }
    }

    /**
     * Netty's response decoder, called as a function on this decoder's buffer, with the proxy's pairing of
     * responses and requests: a response to {@code HEAD}, or a 2xx to {@code CONNECT}, has no body.
     */
    private final class NettyDecoder extends HttpResponseDecoder {

        NettyDecoder(HttpDecoderConfig config) {
            super(config);
        }

        void decodePart(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            decode(ctx, in, out);
        }

        void decodeLastPart(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            decodeLast(ctx, in, out);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            HttpResponse response = (HttpResponse) msg;
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // Not the final response: the request it belongs to is still waiting for that.
                return super.isContentAlwaysEmpty(msg);
            }
            HttpMethod method = sent.pollFirst();
            if (HttpMethod.HEAD.equals(method)) {
                return true;
            }
            if (HttpMethod.CONNECT.equals(method) && response.status().codeClass() == HttpStatusClass.SUCCESS) {
                return true;
            }
            return super.isContentAlwaysEmpty(msg);
        }
    }
}
