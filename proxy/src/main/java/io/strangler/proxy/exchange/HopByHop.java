package io.strangler.proxy.exchange;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

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
        // Most messages carry none: one pass over the names is cheaper than a lookup for each of the ten kinds.
        if (containsAny(headers)) {
            remove(headers);
        }
    }

    /**
     * Removes every hop-by-hop header without looking first whether there is one: for a caller that has already
     * seen one with {@link #isFixed} while passing over the headers itself.
     */
    public static void remove(HttpHeaders headers) {
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

    /**
     * True if any header is one of the fixed hop-by-hop kinds. A header named only by {@code Connection} needs no
     * check of its own: {@code Connection} is one of them.
     */
    private static boolean containsAny(HttpHeaders headers) {
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            if (isFixed(it.next().getKey())) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code name} is in {@link #FIXED}, by length first so that most names cost one comparison. */
    public static boolean isFixed(CharSequence name) {
        return switch (name.length()) {
            case 2 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE);
            case 7 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRAILER)
                    || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE);
            case 10 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)
                    || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.KEEP_ALIVE);
            case 16 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.PROXY_CONNECTION);
            case 17 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING);
            case 18 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.PROXY_AUTHENTICATE);
            case 19 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.PROXY_AUTHORIZATION);
            default -> false;
        };
    }
}
