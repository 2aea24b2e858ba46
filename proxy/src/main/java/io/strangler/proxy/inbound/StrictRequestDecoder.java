package io.strangler.proxy.inbound;

import static io.strangler.proxy.exchange.HeadBytes.SPACE_AND_BELOW;
import static io.strangler.proxy.exchange.HeadBytes.indexOfLf;
import static io.strangler.proxy.exchange.HeadBytes.isFieldChar;
import static io.strangler.proxy.exchange.HeadBytes.isTokenChar;
import static io.strangler.proxy.exchange.HeadBytes.skipPlain;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import io.strangler.proxy.exchange.HeadBytes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * Our HTTP/1.1 request decoder ({@code listen.requestDecoder: strangler}): stricter than Netty's where the
 * difference could let two parsers disagree about a request, and cheaper, because it copies a request's head once
 * and hands out header names and values as views of that copy instead of a {@code String} per field.
 *
 * <p>It emits what Netty's decoder emits, so the rest of the pipeline cannot tell them apart: a request without a
 * body as one {@link DefaultFullHttpRequest}; otherwise the head, then the body in pieces, the last one a
 * {@link LastHttpContent} (with the trailers of a chunked body). A request it refuses becomes a
 * {@code FullHttpRequest} whose decoder result carries the cause ({@link TooLongHttpLineException} for 414,
 * {@link TooLongHttpHeaderException} for 431, anything else 400), after which it reads nothing more from the
 * connection.
 *
 * <p>What it refuses (RFC 9112): a request line that is not {@code token SP target SP HTTP/1.0|HTTP/1.1}; control
 * characters in the target; header names that are not tokens, whitespace before the colon, folded lines, control
 * characters (other than tab) in values, a bare CR anywhere; more than one {@code Content-Length}, or one that is
 * not a plain decimal; {@code Transfer-Encoding} other than exactly {@code chunked}, more than one of them, beside a
 * {@code Content-Length}, or in an HTTP/1.0 request; an HTTP/1.1 request without exactly one {@code Host}, and any
 * request with more than one; chunk-size lines that are not hex digits with an optional extension, and chunk data
 * not followed by CRLF; and any line that does not end in CRLF (RFC 9112 lets a recipient accept LF alone; Netty's
 * decoder does not, and neither do we). Empty lines before the request line are skipped.
 *
 * <p>Public for the codec benchmark in {@code load-tests}. One instance per channel; confined to its event loop.
 */
public final class StrictRequestDecoder extends ByteToMessageDecoder {

    private enum State { HEAD, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, BAD }

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final int MAX_CHUNK_LINE_BYTES = 4096;
    private static final String BAD_REQUEST_URI = "/bad-request";
    // The decoder validates every name and value itself; the header map need not do it again.
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private static final boolean[] TARGET_CHAR = new boolean[256];

    static {
        for (int c = 0x21; c <= 0xFF; c++) {
            // Visible ASCII and obs-text; 0x7F (DEL) is a control character.
            TARGET_CHAR[c] = c != 0x7F;
        }
    }

    private final int maxLineBytes;
    private final int maxHeaderBytes;
    private final int maxChunkBytes;
    private final Consumer<HttpMethod> onRequest;

    private State state = State.HEAD;
    /** Bytes of the current head already scanned for its end: always the start of a line. */
    private int scanned;
    /** Bytes of header lines among them (the request line not counted). */
    private int headerBytes;
    private boolean requestLineSeen;
    /** Body or chunk bytes still to come. */
    private long remaining;
    private HttpHeaders trailers;
    /** The last field line parsed by {@link #field}. */
    private AsciiString fieldName;
    private AsciiString fieldValue;
    private final HeadBytes.HeaderLine line = new HeadBytes.HeaderLine();

    /**
     * @param onRequest told of every request emitted, invalid ones too, in order (the response encoder pairs
     *                  responses with their request's method)
     */
    public StrictRequestDecoder(int maxLineBytes, int maxHeaderBytes, int maxChunkBytes,
            Consumer<HttpMethod> onRequest) {
        this.maxLineBytes = maxLineBytes;
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxChunkBytes = maxChunkBytes;
        this.onRequest = onRequest;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            while (in.isReadable()) {
                int before = in.readableBytes();
                int emitted = out.size();
                switch (state) {
                    case HEAD -> readHead(in, out);
                    case FIXED_BODY -> readFixedBody(in, out);
                    case CHUNK_SIZE -> readChunkSize(in);
                    case CHUNK_DATA -> readChunkData(in, out);
                    case CHUNK_END -> readChunkEnd(in);
                    case TRAILERS -> readTrailers(in, out);
                    case BAD -> in.skipBytes(in.readableBytes());
                    default -> throw new IllegalStateException(state.toString());
                }
                if (in.readableBytes() == before && out.size() == emitted) {
                    return; // needs more bytes
                }
            }
        } catch (BadRequest e) {
            fail(in, out, e.cause());
        }
    }

    private void fail(ByteBuf in, List<Object> out, Exception cause) {
        boolean inBody = state != State.HEAD;
        state = State.BAD;
        in.skipBytes(in.readableBytes());
        if (inBody) {
            DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
            last.setDecoderResult(DecoderResult.failure(cause));
            out.add(last);
        } else {
            DefaultFullHttpRequest bad = new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET,
                    BAD_REQUEST_URI, Unpooled.EMPTY_BUFFER);
            bad.setDecoderResult(DecoderResult.failure(cause));
            onRequest.accept(bad.method());
            out.add(bad);
        }
    }

    // ---- the head ----------------------------------------------------------------------------------------------

    private void readHead(ByteBuf in, List<Object> out) {
        if (scanned == 0) {
            // RFC 9112 section 2.2: empty lines before a request line are ignored.
            while (in.isReadable() && isLineEnd(in.getByte(in.readerIndex()))) {
                in.skipBytes(1);
            }
            if (!in.isReadable()) {
                return;
            }
            // Most heads arrive whole in one read: copy what could be the head once, find its end and parse it
            // there. Lines of a head that has not arrived whole stay counted, and the scan goes on below, on the
            // buffer, from where this one stopped, so that a client trickling bytes does not make us copy the
            // same bytes again for every read.
            byte[] copy = new byte[Math.min(in.readableBytes(), maxLineBytes + maxHeaderBytes + 4)];
            in.getBytes(in.readerIndex(), copy);
            int pos = 0;
            int lf;
            while ((lf = indexOfLf(copy, pos, copy.length)) >= 0) {
                if (endsHead(lf - pos, copy[pos] == CR)) {
                    in.skipBytes(lf + 1);
                    headRead();
                    parseHead(copy, lf + 1, out);
                    return;
                }
                pos = lf + 1;
            }
            scanned = pos;
        }
        int start = in.readerIndex();
        int end = in.writerIndex();
        int pos = start + scanned;
        int lf;
        while ((lf = in.indexOf(pos, end, LF)) >= 0) {
            if (endsHead(lf - pos, in.getByte(pos) == CR)) {
                headRead();
                byte[] head = new byte[lf + 1 - start];
                in.readBytes(head);
                parseHead(head, head.length, out);
                return;
            }
            pos = lf + 1;
        }
        scanned = pos - start;
        int partial = end - pos;
        if (!requestLineSeen && partial > maxLineBytes + 1) {
            throw lineTooLong();
        }
        if (requestLineSeen && headerBytes + partial > maxHeaderBytes) {
            throw tooLarge("headers");
        }
    }

    /**
     * Counts one line of the head, {@code length} bytes before its LF ({@code startsWithCr}: its first byte is
     * CR), against the limits; true when it is the empty line that ends the head.
     */
    private boolean endsHead(int length, boolean startsWithCr) {
        if (!requestLineSeen) {
            if (length > maxLineBytes + 1) {
                throw lineTooLong();
            }
            requestLineSeen = true;
            return false;
        }
        if (length == 0 || (length == 1 && startsWithCr)) {
            return true;
        }
        headerBytes += length + 1;
        if (headerBytes > maxHeaderBytes) {
            throw tooLarge("headers");
        }
        return false;
    }

    /** The head has been found: the next one starts from scratch. */
    private void headRead() {
        scanned = 0;
        headerBytes = 0;
        requestLineSeen = false;
    }

    private BadRequest lineTooLong() {
        return new BadRequest(new TooLongHttpLineException("request line longer than " + maxLineBytes + " bytes"));
    }

    private BadRequest tooLarge(String what) {
        return new BadRequest(new TooLongHttpHeaderException(what + " larger than " + maxHeaderBytes + " bytes"));
    }

    /** Parses the head in {@code h[0, n)}, which ends with its empty line; {@code h} may hold more after it. */
    private void parseHead(byte[] h, int n, List<Object> out) {
        // The request line: method SP target SP version.
        int i = 0;
        while (i < n && isTokenChar(h[i] & 0xFF)) {
            i++;
        }
        if (i == 0 || i >= n || h[i] != ' ') {
            throw bad("the request line does not start with a method and a space");
        }
        HttpMethod method = method(h, i);
        int targetStart = ++i;
        i = skipPlain(h, i, SPACE_AND_BELOW);
        while (i < n && TARGET_CHAR[h[i] & 0xFF]) {
            i++;
        }
        if (i == targetStart || i >= n || h[i] != ' ') {
            throw bad("the request target is empty or holds a control character or a second space");
        }
        String uri = new String(h, targetStart, i - targetStart, StandardCharsets.ISO_8859_1);
        int versionStart = ++i;
        HttpVersion version = version(h, versionStart, n);
        i = lineEnd(h, versionStart + 8);

        HttpHeaders headers = HEADERS.newHeaders();
        long contentLength = -1;
        boolean chunked = false;
        int hosts = 0;
        int transferEncodings = 0;
        while (true) {
            int lineStart = i;
            if (h[i] == CR && i + 2 == n) {
                break; // the empty line that ends the head (readHead cut the head there)
            }
            int next = field(h, lineStart);
            AsciiString name = fieldName;
            AsciiString value = fieldValue;
            switch (framingHeader(name)) {
                case CONTENT_LENGTH -> {
                    if (contentLength >= 0) {
                        throw bad("more than one Content-Length");
                    }
                    contentLength = contentLength(value);
                }
                case TRANSFER_ENCODING -> {
                    transferEncodings++;
                    if (!value.contentEqualsIgnoreCase(HttpHeaderValues.CHUNKED)) {
                        throw bad("a Transfer-Encoding other than chunked");
                    }
                    chunked = true;
                }
                case HOST -> hosts++;
                default -> {
                }
            }
            headers.add(name, value);
            i = next;
        }
        if (transferEncodings > 1) {
            throw bad("more than one Transfer-Encoding");
        }
        if (chunked && contentLength >= 0) {
            throw bad("both Transfer-Encoding and Content-Length");
        }
        if (chunked && version == HttpVersion.HTTP_1_0) {
            throw bad("Transfer-Encoding in an HTTP/1.0 request");
        }
        if (hosts > 1 || (hosts == 0 && version == HttpVersion.HTTP_1_1)) {
            throw bad(hosts > 1 ? "more than one Host" : "an HTTP/1.1 request without Host");
        }
        onRequest.accept(method);
        if (chunked) {
            out.add(new DefaultHttpRequest(version, method, uri, headers));
            state = State.CHUNK_SIZE;
        } else if (contentLength > 0) {
            out.add(new DefaultHttpRequest(version, method, uri, headers));
            remaining = contentLength;
            state = State.FIXED_BODY;
        } else {
            out.add(new DefaultFullHttpRequest(version, method, uri, Unpooled.EMPTY_BUFFER, headers,
                    EmptyHttpHeaders.INSTANCE));
        }
    }

    /** The index after the line end at {@code i}: CRLF; anything else there is refused. */
    private static int lineEnd(byte[] h, int i) {
        if (h[i] == CR && i + 1 < h.length && h[i + 1] == LF) {
            return i + 2;
        }
        throw bad(h[i] == CR ? "a CR not followed by LF" : h[i] == LF ? "a line ending in LF without CR"
                : "a character that is not allowed there (0x" + Integer.toHexString(h[i] & 0xFF) + ")");
    }

    private static HttpMethod method(byte[] h, int length) {
        switch (length) {
            case 3:
                if (h[0] == 'G' && h[1] == 'E' && h[2] == 'T') {
                    return HttpMethod.GET;
                }
                if (h[0] == 'P' && h[1] == 'U' && h[2] == 'T') {
                    return HttpMethod.PUT;
                }
                break;
            case 4:
                if (h[0] == 'P' && h[1] == 'O' && h[2] == 'S' && h[3] == 'T') {
                    return HttpMethod.POST;
                }
                if (h[0] == 'H' && h[1] == 'E' && h[2] == 'A' && h[3] == 'D') {
                    return HttpMethod.HEAD;
                }
                break;
            default:
                break;
        }
        return HttpMethod.valueOf(new String(h, 0, length, StandardCharsets.US_ASCII));
    }

    private static final byte[] HTTP_1_ = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    private static HttpVersion version(byte[] h, int at, int n) {
        if (at + 8 < n) {
            boolean prefix = true;
            for (int k = 0; k < HTTP_1_.length; k++) {
                prefix &= h[at + k] == HTTP_1_[k];
            }
            if (prefix && h[at + 7] == '1') {
                return HttpVersion.HTTP_1_1;
            }
            if (prefix && h[at + 7] == '0') {
                return HttpVersion.HTTP_1_0;
            }
        }
        throw bad("the request line does not end in HTTP/1.1 or HTTP/1.0");
    }

    private enum Framing { CONTENT_LENGTH, TRANSFER_ENCODING, HOST, OTHER }

    private static Framing framingHeader(AsciiString name) {
        return switch (name.length()) {
            case 4 -> name.contentEqualsIgnoreCase(HttpHeaderNames.HOST) ? Framing.HOST : Framing.OTHER;
            case 14 -> name.contentEqualsIgnoreCase(HttpHeaderNames.CONTENT_LENGTH)
                    ? Framing.CONTENT_LENGTH : Framing.OTHER;
            case 17 -> name.contentEqualsIgnoreCase(HttpHeaderNames.TRANSFER_ENCODING)
                    ? Framing.TRANSFER_ENCODING : Framing.OTHER;
            default -> Framing.OTHER;
        };
    }

    private static long contentLength(AsciiString value) {
        long v = HeadBytes.contentLength(value);
        if (v < 0) {
            throw bad("a Content-Length that is not a decimal number of at most 18 digits");
        }
        return v;
    }

    // ---- bodies ------------------------------------------------------------------------------------------------

    private void readFixedBody(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(Math.min(remaining, in.readableBytes()), maxChunkBytes);
        ByteBuf piece = in.readRetainedSlice(n);
        remaining -= n;
        if (remaining == 0) {
            out.add(new DefaultLastHttpContent(piece));
            state = State.HEAD;
        } else {
            out.add(new DefaultHttpContent(piece));
        }
    }

    private void readChunkSize(ByteBuf in) {
        int start = in.readerIndex();
        int lf = in.indexOf(start, Math.min(in.writerIndex(), start + MAX_CHUNK_LINE_BYTES), LF);
        if (lf < 0) {
            if (in.readableBytes() >= MAX_CHUNK_LINE_BYTES) {
                throw bad("a chunk-size line longer than " + MAX_CHUNK_LINE_BYTES + " bytes");
            }
            return;
        }
        if (lf == start || in.getByte(lf - 1) != CR) {
            throw bad("a chunk-size line not ending in CRLF");
        }
        int lineEnd = lf - 1;
        long size = 0;
        int i = start;
        for (; i < lineEnd; i++) {
            int digit = Character.digit(in.getByte(i), 16);
            if (digit < 0) {
                break;
            }
            if (i - start >= 8) {
                throw bad("a chunk size above 0xFFFFFFFF");
            }
            size = (size << 4) | digit;
        }
        if (i == start) {
            throw bad("a chunk-size line that does not start with hex digits");
        }
        checkChunkExtensions(in, i, lineEnd);
        in.readerIndex(lf + 1);
        if (size == 0) {
            trailers = null;
            state = State.TRAILERS;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
    }

    /**
     * RFC 9112 section 7.1.1: {@code *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )} from
     * {@code i} to {@code end}. Extensions are read only to be checked: the proxy re-frames the body it forwards.
     */
    private static void checkChunkExtensions(ByteBuf in, int i, int end) {
        while (true) {
            int blanks = i;
            i = skipBlanks(in, i, end);
            if (i == end) {
                if (i != blanks) {
                    throw bad("whitespace at the end of a chunk-size line");
                }
                return;
            }
            if (in.getByte(i) != ';') {
                throw bad("a chunk size followed by something other than an extension");
            }
            i = skipBlanks(in, i + 1, end);
            int name = i;
            i = skipToken(in, i, end);
            if (i == name) {
                throw bad("a chunk extension without a name");
            }
            i = skipBlanks(in, i, end);
            if (i < end && in.getByte(i) == '=') {
                i = skipBlanks(in, i + 1, end);
                if (i < end && in.getByte(i) == '"') {
                    i = skipQuoted(in, i + 1, end);
                } else {
                    int value = i;
                    i = skipToken(in, i, end);
                    if (i == value) {
                        throw bad("a chunk extension with an empty value");
                    }
                }
            }
        }
    }

    private static int skipBlanks(ByteBuf in, int i, int end) {
        while (i < end && (in.getByte(i) == ' ' || in.getByte(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static int skipToken(ByteBuf in, int i, int end) {
        while (i < end && isTokenChar(in.getByte(i) & 0xFF)) {
            i++;
        }
        return i;
    }

    /** From just after an opening quote; returns the index after the closing one. */
    private static int skipQuoted(ByteBuf in, int i, int end) {
        while (i < end) {
            int c = in.getByte(i) & 0xFF;
            if (c == '"') {
                return i + 1;
            }
            // Bytes above 0x7F (obs-text, which RFC 9110 allows here) are refused: Netty's decoder fails on them,
            // and no client needs them in a chunk extension.
            if (c == '\\' && i + 1 < end && (in.getByte(i + 1) & 0xFF) < 0x80 && isFieldChar(in.getByte(i + 1))) {
                i += 2;
            } else if (c < 0x80 && isFieldChar(c)) {
                i++;
            } else {
                break;
            }
        }
        throw bad("a chunk extension with an unterminated or invalid quoted value");
    }

    private void readChunkData(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(Math.min(remaining, in.readableBytes()), maxChunkBytes);
        out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
        remaining -= n;
        if (remaining == 0) {
            state = State.CHUNK_END;
        }
    }

    private void readChunkEnd(ByteBuf in) {
        if (in.readableBytes() < 2) {
            if (in.getByte(in.readerIndex()) != CR) {
                throw bad("chunk data not followed by CRLF");
            }
            return;
        }
        if (in.getByte(in.readerIndex()) != CR || in.getByte(in.readerIndex() + 1) != LF) {
            throw bad("chunk data not followed by CRLF");
        }
        in.skipBytes(2);
        state = State.CHUNK_SIZE;
    }

    private void readTrailers(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int lf = in.indexOf(start, in.writerIndex(), LF);
        if (lf < 0) {
            if (headerBytes + in.readableBytes() > maxHeaderBytes) {
                throw tooLarge("trailers");
            }
            return;
        }
        int length = lf - start;
        if (length == 0) {
            throw bad("a line ending in LF without CR");
        }
        if (length == 1 && in.getByte(start) == CR) {
            in.readerIndex(lf + 1);
            headerBytes = 0;
            DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER,
                    trailers == null ? HEADERS.newEmptyHeaders() : trailers);
            trailers = null;
            out.add(last);
            state = State.HEAD;
            return;
        }
        headerBytes += length + 1;
        if (headerBytes > maxHeaderBytes) {
            throw tooLarge("trailers");
        }
        byte[] line = new byte[length + 1];
        in.readBytes(line);
        field(line, 0);
        if (framingHeader(fieldName) != Framing.OTHER) {
            throw bad("a framing or routing header (" + fieldName + ") in the trailers");
        }
        if (trailers == null) {
            trailers = HEADERS.newHeaders();
        }
        trailers.add(fieldName, fieldValue);
    }

    /**
     * Parses the field line at {@code start} of {@code h} (which ends in LF) into {@link #fieldName} and
     * {@link #fieldValue}, views of {@code h} (the value without surrounding whitespace); returns where the next
     * line starts.
     */
    private int field(byte[] h, int start) {
        int next = line.read(h, start);
        if (next == HeadBytes.HeaderLine.BAD_NAME) {
            int i = line.stoppedAt();
            throw bad(h[i] == ' ' || h[i] == '\t' ? (i == start ? "a folded header line"
                    : "whitespace between a header name and its colon") : "a header name that is not a token");
        }
        if (next == HeadBytes.HeaderLine.BAD_VALUE) {
            lineEnd(h, line.stoppedAt()); // throws, naming what is wrong there
        }
        fieldName = line.name();
        fieldValue = line.value();
        return next;
    }

    private static boolean isLineEnd(byte b) {
        return b == CR || b == LF;
    }

    private static BadRequest bad(String reason) {
        return new BadRequest(new IllegalArgumentException(reason));
    }

    /** Thrown inside the decoder only, to leave parsing from any depth; never escapes {@link #decode}. */
    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(Exception cause) {
            super(cause.getMessage(), cause, false, false);
        }

        Exception cause() {
            return (Exception) getCause();
        }
    }

}
