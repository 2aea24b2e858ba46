package io.strangler.proxy.exchange;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
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

    /** The index of {@code Connection} in {@link #FIXED}. */
    private static final int CONNECTION = 0;

    private HopByHop() {
    }

    /**
     * Strips hop-by-hop headers from {@code headers} in place. One pass over the headers notes which fixed kinds
     * are present and what {@code Connection} names; then only those are removed. Most messages carry none, or only
     * {@code Connection: keep-alive}: that is one pass and one removal instead of a lookup for each of the nine
     * kinds. Runs twice per proxied request (its headers to the upstream, the response's to the client).
     */
    public static void strip(HttpHeaders headers) {
        int present = 0;
        // The first Connection value seen, and any more (rare), each a comma-separated list of header names.
        CharSequence connection = null;
        List<CharSequence> moreConnection = null;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            int kind = fixedIndex(e.getKey());
            if (kind < 0) {
                continue;
            }
            present |= 1 << kind;
            if (kind == CONNECTION) {
                if (connection == null) {
                    connection = e.getValue();
                } else {
                    if (moreConnection == null) {
                        moreConnection = new ArrayList<>(2);
                    }
                    moreConnection.add(e.getValue());
                }
            }
        }
        if (present == 0) {
            return;
        }
        if (connection != null) {
            removeNamed(headers, connection);
            if (moreConnection != null) {
                for (CharSequence value : moreConnection) {
                    removeNamed(headers, value);
                }
            }
        }
        for (int i = 0; i < FIXED.length; i++) {
            if ((present & (1 << i)) != 0) {
                headers.remove(FIXED[i]);
            }
        }
    }

    /**
     * Removes the headers that the {@code Connection} value {@code list} names, except the fixed hop-by-hop ones
     * (such as {@code keep-alive}): the pass over the headers has already seen whether those are present.
     */
    private static void removeNamed(HttpHeaders headers, CharSequence list) {
        int n = list.length();
        int start = 0;
        while (start <= n) {
            int end = start;
            while (end < n && list.charAt(end) != ',') {
                end++;
            }
            int from = start;
            int to = end;
            while (from < to && isOws(list.charAt(from))) {
                from++;
            }
            while (to > from && isOws(list.charAt(to - 1))) {
                to--;
            }
            if (to > from && fixedIndex(list, from, to) < 0) {
                headers.remove(list.subSequence(from, to).toString());
            }
            start = end + 1;
        }
    }

    /** Trimmed off a token as {@link String#trim()} trims: spaces, tabs and any other control character. */
    private static boolean isOws(char c) {
        return c <= ' ';
    }

    /** Whether {@code name} is in {@link #FIXED}, by length first so that most names cost one comparison. */
    public static boolean isFixed(CharSequence name) {
        return fixedIndex(name) >= 0;
    }

    /** The index of {@code name} (any case) in {@link #FIXED}, or -1. */
    private static int fixedIndex(CharSequence name) {
        return fixedIndex(name, 0, name.length());
    }

    /** The index in {@link #FIXED} of the name at {@code from} (inclusive) to {@code to} in {@code s}, or -1. */
    private static int fixedIndex(CharSequence s, int from, int to) {
        return switch (to - from) {
            case 2 -> is(s, from, 2);
            case 7 -> is(s, from, 3) >= 0 ? 3 : is(s, from, 5);
            case 10 -> is(s, from, CONNECTION) >= 0 ? CONNECTION : is(s, from, 1);
            case 16 -> is(s, from, 8);
            case 17 -> is(s, from, 4);
            case 18 -> is(s, from, 6);
            case 19 -> is(s, from, 7);
            default -> -1;
        };
    }

    /**
     * {@code index} if {@code FIXED[index]} (lower case) stands at {@code from} in {@code s} in any case, else -1;
     * the caller has checked the length.
     */
    private static int is(CharSequence s, int from, int index) {
        AsciiString name = FIXED[index];
        for (int i = 0; i < name.length(); i++) {
            char c = s.charAt(from + i);
            if ((c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c) != name.charAt(i)) {
                return -1;
            }
        }
        return index;
    }
}
