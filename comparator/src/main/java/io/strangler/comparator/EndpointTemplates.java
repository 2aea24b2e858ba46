package io.strangler.comparator;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns request paths into low-cardinality templates for grouping and metric tags:
 * {@code /api/orders/123} → {@code /api/orders/{id}}. A path segment becomes {@code {id}} when it is a number, a
 * UUID, a hex string of 8+ characters with a digit, or matches one of the extra patterns given. Immutable.
 */
public final class EndpointTemplates {

    private static final Pattern NUMBER = Pattern.compile("\\d+");
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern HEX = Pattern.compile("(?=.*\\d)[0-9a-fA-F]{8,}");

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

    private boolean isId(String seg) {
        if (seg.isEmpty()) {
            return false;
        }
        if (NUMBER.matcher(seg).matches() || UUID.matcher(seg).matches() || HEX.matcher(seg).matches()) {
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
