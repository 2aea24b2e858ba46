package io.strangler.comparator;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns request paths into low-cardinality templates for grouping and metric tags:
 * {@code /api/orders/123} → {@code /api/orders/{id}}. A path segment becomes {@code {id}} when it is a number, a
 * UUID, a hex string of 8+ characters with a digit, or matches one of the extra patterns given. Immutable.
 */
public final class EndpointTemplates {

    private final List<Pattern> extra;

    private EndpointTemplates(List<Pattern> extra) {
        this.extra = List.copyOf(extra);
    }

    public static EndpointTemplates defaults() {
        return new EndpointTemplates(List.of());
    }

    /** Defaults plus segments matching any of {@code regexes} (whole segment). */
    public static EndpointTemplates withExtraIdPatterns(List<String> regexes) {
        return new EndpointTemplates(regexes.stream().map(Pattern::compile).toList());
    }

    /** The template of a path (query, if any, dropped). */
    public String templateOf(String path) {
        int q = path.indexOf('?');
        String p = q < 0 ? path : path.substring(0, q);
        StringBuilder out = new StringBuilder(p.length());
        int i = 0;
        while (i < p.length()) {
            int slash = p.indexOf('/', i);
            int end = slash < 0 ? p.length() : slash;
            String seg = p.substring(i, end);
            out.append(isId(seg) ? "{id}" : seg);
            if (slash >= 0) {
                out.append('/');
            }
            i = end + 1;
        }
        return out.length() == 0 ? "/" : out.toString();
    }

    // The built-in checks are plain character scans: this runs for every comparison, and regexes cost more
    // than the rest of templating together.
    private static boolean isNumber(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    /** 8-4-4-4-12 hex digits. */
    private static boolean isUuid(String s) {
        if (s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !isHex(c)) {
                return false;
            }
        }
        return true;
    }

    /** At least 8 hex characters, at least one of them a digit (so "deadbeef" words stay words). */
    private static boolean isHexId(String s) {
        if (s.length() < 8) {
            return false;
        }
        boolean digit = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isHex(c)) {
                return false;
            }
            digit |= c <= '9';
        }
        return digit;
    }

    private boolean isId(String seg) {
        if (seg.isEmpty()) {
            return false;
        }
        if (isNumber(seg) || isUuid(seg) || isHexId(seg)) {
            return true;
        }
        for (Pattern p : extra) {
            if (p.matcher(seg).matches()) {
                return true;
            }
        }
        return false;
    }
}
