package io.strangler.proxy.exchange;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code X-Request-Id}: kept when the client (or a load balancer in front) sent a sane one, generated otherwise,
 * and passed to the upstream so both sides' logs can be joined.
 */
public final class RequestIds {

    public static final AsciiString HEADER = AsciiString.cached("x-request-id");
    private static final int MAX_LENGTH = 128;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {
    }

    /** The request's id: its own if present and printable (at most 128 chars), a new random one otherwise. */
    public static String of(HttpHeaders headers) {
        String existing = headers.get(HEADER);
        if (existing != null && isSane(existing)) {
            return existing;
        }
        return generate();
    }

    /** 32 random hex digits (128 bits), the shape of a UUID without dashes. */
    public static String generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = new char[32];
        long hi = r.nextLong();
        long lo = r.nextLong();
        for (int i = 0; i < 16; i++) {
            out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
            out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
        }
        return new String(out);
    }

    private static boolean isSane(String id) {
        if (id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}
