package io.strangler.proxy.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the human-friendly durations ({@code 250ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 7d}) and byte
 * sizes ({@code 512B}, {@code 64KiB}, {@code 10MiB}, {@code 1GiB}, or a plain number of bytes) used in the config.
 * Only called while loading config, never on a request path.
 */
public final class Quantities {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|KB|MB|GB)?");

    static final String DURATION_EXPECTED = "a duration such as 250ms, 10s, 5m, 2h or 7d";
    static final String SIZE_EXPECTED = "a size such as 512B, 64KiB, 10MiB or 1GiB";

    private Quantities() {
    }

    /** Returns the duration, or throws {@link IllegalArgumentException} naming the accepted forms. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected: " + DURATION_EXPECTED);
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected: " + DURATION_EXPECTED);
        }
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** Returns the size in bytes, or throws {@link IllegalArgumentException} naming the accepted forms. */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected: " + SIZE_EXPECTED);
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected: " + SIZE_EXPECTED);
        }
        String unit = m.group(2) == null ? "B" : m.group(2);
        long factor = switch (unit) {
            case "B" -> 1L;
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            default -> 1_000_000_000L;
        };
        try {
            return Math.multiplyExact(n, factor);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("too large (expected: " + SIZE_EXPECTED + ")");
        }
    }
}
