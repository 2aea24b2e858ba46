package io.strangler.proxy.exchange;

import io.netty.util.AsciiString;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The byte classes of an HTTP/1.1 head (RFC 9110) and the scans our decoders run over the copy of one: finding
 * line ends and skipping plain bytes eight at a time. Shared by the request decoder ({@code listen.requestDecoder})
 * and the upstream response decoder, so that both judge a byte the same way. Stateless.
 */
public final class HeadBytes {

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final boolean[] TCHAR = new boolean[256];
    private static final boolean[] FIELD_CHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (int c = 0x21; c <= 0xFF; c++) {
            // Visible ASCII and obs-text; 0x7F (DEL) is a control character.
            FIELD_CHAR[c] = c != 0x7F;
        }
        FIELD_CHAR[' '] = true;
        FIELD_CHAR['\t'] = true;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    /** {@link #skipPlain}'s bound for field values: bytes below 0x20 (tab included) stop it. */
    public static final long BELOW_SPACE = 0x20 * ONES;
    /** {@link #skipPlain}'s bound for a request target: bytes up to 0x20 (space included) stop it. */
    public static final long SPACE_AND_BELOW = 0x21 * ONES;
    private static final long DEL = 0x7F * ONES;
    private static final long LF_WORD = LF * ONES;

    private HeadBytes() {
    }

    /** A {@code tchar} of RFC 9110 (the bytes of a method or a header name); {@code b} is the byte's value, 0–255. */
    public static boolean isTokenChar(int b) {
        return TCHAR[b];
    }

    /** A byte a header value may hold: visible ASCII, obs-text (0x80–0xFF), space and tab; {@code b} is 0–255. */
    public static boolean isFieldChar(int b) {
        return FIELD_CHAR[b];
    }

    /**
     * A {@code Content-Length} value that both our decoders take: a plain decimal of at most 18 digits (no sign,
     * no list, no spaces inside); -1 for anything else.
     */
    public static long contentLength(AsciiString value) {
        int n = value.length();
        if (n == 0 || n > 18) {
            return -1;
        }
        long v = 0;
        for (int k = 0; k < n; k++) {
            char c = value.charAt(k);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** The first LF in {@code a[from, to)}, eight bytes at a time, or -1. */
    public static int indexOfLf(byte[] a, int from, int to) {
        int i = from;
        while (i + Long.BYTES <= to) {
            long x = (long) LONGS.get(a, i) ^ LF_WORD;
            // The "has a zero byte" trick: the lowest flagged byte is exact, and little-endian puts it first.
            long zero = (x - ONES) & ~x & HIGH_BITS;
            if (zero != 0) {
                return i + (Long.numberOfTrailingZeros(zero) >>> 3);
            }
            i += Long.BYTES;
        }
        for (; i < to; i++) {
            if (a[i] == LF) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Skips, eight bytes at a time, the bytes from {@code i} that are neither below {@code bound}
     * ({@link #BELOW_SPACE} or {@link #SPACE_AND_BELOW}) nor DEL, and returns the first index of the eight where
     * one was seen (or where fewer than eight are left); the caller's byte-by-byte loop takes it from there. Long
     * values and targets (cookies, tokens, user agents) are most of a head.
     */
    public static int skipPlain(byte[] h, int i, long bound) {
        while (i + Long.BYTES <= h.length) {
            long w = (long) LONGS.get(h, i);
            // Per byte, the high bit is set where the byte is below the bound (bytes of 0x80 and up never are),
            // or, in the second term, where the byte equals DEL: the usual "has a byte less than n" and "has a zero
            // byte" tricks; exact as to whether any byte of the word matches.
            long below = (w - bound) & ~w & HIGH_BITS;
            long del = w ^ DEL;
            if ((below | ((del - ONES) & ~del & HIGH_BITS)) != 0) {
                return i;
            }
            i += Long.BYTES;
        }
        return i;
    }

    /**
     * Reads the header lines of a head's copy into views of it: a name that is a token directly followed by the
     * colon, a value of {@link #isFieldChar field bytes} with the whitespace around it left out, the line ending in
     * CRLF. Keeps the last line's name and value; one per decoder, confined to its thread.
     */
    public static final class HeaderLine {

        /** {@link #read}: the name is empty, not a token, or not directly followed by a colon. */
        public static final int BAD_NAME = -1;
        /** {@link #read}: the value holds a byte a value may not, or the line does not end in CRLF. */
        public static final int BAD_VALUE = -2;

        private AsciiString name;
        private AsciiString value;
        private int stoppedAt;

        /**
         * Reads the line at {@code start} of {@code h}, which must hold a CR further on (the head's last line
         * ends in one). Returns where the next line starts, or {@link #BAD_NAME} or {@link #BAD_VALUE}, with
         * {@link #stoppedAt} the index of the byte that made it so.
         */
        public int read(byte[] h, int start) {
            int i = start;
            while (TCHAR[h[i] & 0xFF]) {
                i++;
            }
            if (i == start || h[i] != ':') {
                stoppedAt = i;
                return BAD_NAME;
            }
            int nameEnd = i++;
            while (h[i] == ' ' || h[i] == '\t') {
                i++;
            }
            int valueStart = i;
            i = skipPlain(h, i, BELOW_SPACE);
            while (FIELD_CHAR[h[i] & 0xFF]) {
                i++;
            }
            if (h[i] != CR || h[i + 1] != LF) {
                stoppedAt = i;
                return BAD_VALUE;
            }
            int valueEnd = i;
            while (valueEnd > valueStart && (h[valueEnd - 1] == ' ' || h[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            name = new AsciiString(h, start, nameEnd - start, false);
            value = new AsciiString(h, valueStart, valueEnd - valueStart, false);
            return i + 2;
        }

        public AsciiString name() {
            return name;
        }

        public AsciiString value() {
            return value;
        }

        public int stoppedAt() {
            return stoppedAt;
        }
    }
}
