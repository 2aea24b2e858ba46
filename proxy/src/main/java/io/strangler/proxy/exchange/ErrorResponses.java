package io.strangler.proxy.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The short JSON answer the proxy gives when it cannot pass a request on:
 * {@code {"error":"no_route","message":"...","route":null,"requestId":"..."}}.
 */
public final class ErrorResponses {

    private ErrorResponses() {
    }

    /**
     * A complete response for {@code error}. The caller owns the returned message (it is written, which releases
     * it).
     *
     * @param routeId the matched route, or null before routing
     * @param requestId the request id, or null if none is known yet
     * @param keepAlive whether the connection stays open after this response
     */
    public static FullHttpResponse of(ByteBufAllocator alloc, ProxyError error, String routeId, String requestId,
            boolean keepAlive) {
        return of(alloc, error, routeId, requestId, keepAlive, null);
    }

    /** The longest detail a message carries; a decoder's message can quote the client's bytes. */
    static final int MAX_DETAIL_CHARS = 200;

    /**
     * Like {@link #of(ByteBufAllocator, ProxyError, String, String, boolean)}, with {@code detail} (what exactly was
     * wrong, e.g. the decoder's reason for refusing the request; at most {@value #MAX_DETAIL_CHARS} characters
     * kept) after the error's message.
     */
    public static FullHttpResponse of(ByteBufAllocator alloc, ProxyError error, String routeId, String requestId,
            boolean keepAlive, String detail) {
        StringBuilder json = new StringBuilder(160);
        json.append("{\"error\":\"").append(error.tag()).append("\",\"message\":");
        if (detail == null || detail.isBlank()) {
            json.append('"').append(error.message()).append('"');
        } else {
            String d = detail.strip();
            appendJsonString(json, error.message() + ": "
                    + (d.length() > MAX_DETAIL_CHARS ? d.substring(0, MAX_DETAIL_CHARS) + "..." : d));
        }
        json.append(",\"route\":");
        appendJsonString(json, routeId);
        json.append(",\"requestId\":");
        appendJsonString(json, requestId);
        json.append("}\n");
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuf body = alloc.buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, error.status(), body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        if (requestId != null) {
            response.headers().set(RequestIds.HEADER, requestId);
        }
        return response;
    }

    /** Appends {@code value} as a JSON string literal, or {@code null}. */
    static void appendJsonString(StringBuilder out, String value) {
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
