package io.strangler.proxy.exchange;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Removes hop-by-hop headers (RFC 9110 section 7.6.1): they describe one connection and must not be forwarded.
 * That is {@code Connection} and every header it names, plus the fixed list below.
 */
public final class HopByHop {

    private static final AsciiString[] FIXED = {
        HttpHeaderNames.CONNECTION,
        HttpHeaderNames.KEEP_ALIVE,
        HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER,
        HttpHeaderNames.TRANSFER_ENCODING,
        HttpHeaderNames.UPGRADE,
        HttpHeaderNames.PROXY_AUTHENTICATE,
        HttpHeaderNames.PROXY_AUTHORIZATION,
        HttpHeaderNames.PROXY_CONNECTION,
    };

    private HopByHop() {
    }

    /** Strips hop-by-hop headers from {@code headers} in place. */
    public static void strip(HttpHeaders headers) {
        List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
        for (String value : connection) {
            int start = 0;
            while (start <= value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                String token = value.substring(start, end).trim();
                if (!token.isEmpty()) {
                    headers.remove(token);
                }
                start = end + 1;
            }
        }
        for (AsciiString name : FIXED) {
            headers.remove(name);
        }
    }
}
