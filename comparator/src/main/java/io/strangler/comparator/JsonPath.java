package io.strangler.comparator;

import java.util.ArrayList;
import java.util.List;

/**
 * A pattern over JSON paths, as written in rules: {@code $.meta.generatedAt}, {@code $.items[*].price},
 * {@code $..timestamp} (any depth), {@code $.items[0]}, {@code $['odd.name']}, {@code $.*.id}. A pattern matches
 * a concrete path, and {@link #coversOrContains} also matches everything below it. Immutable.
 */
public final class JsonPath {

    private enum Type { FIELD, INDEX, ANY_INDEX, ANY_FIELD, DEEP }

    private record Token(Type type, String field, int index) {
    }

    private final String text;
    private final List<Token> tokens;

    private JsonPath(String text, List<Token> tokens) {
        this.text = text;
        this.tokens = List.copyOf(tokens);
    }

    /**
     * Parses a pattern.
     *
     * @throws IllegalArgumentException naming the position of the problem
     */
    public static JsonPath parse(String text) {
        String p = text.trim();
        if (!p.startsWith("$")) {
            throw new IllegalArgumentException("'" + text + "' (expected: a JSON path starting with '$', e.g. "
                    + "$.items[*].price)");
        }
        List<Token> tokens = new ArrayList<>();
        int i = 1;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (p.startsWith("..", i)) {
                tokens.add(new Token(Type.DEEP, null, 0));
                i += 2;
                i = field(p, i, tokens, text);
            } else if (c == '.') {
                i = field(p, i + 1, tokens, text);
            } else if (c == '[') {
                int end = p.indexOf(']', i);
                if (end < 0) {
                    throw new IllegalArgumentException("'" + text + "': unclosed '[' at " + i);
                }
                String inner = p.substring(i + 1, end).trim();
                if (inner.equals("*")) {
                    tokens.add(new Token(Type.ANY_INDEX, null, 0));
                } else if (inner.length() >= 2 && (inner.startsWith("'") && inner.endsWith("'")
                        || inner.startsWith("\"") && inner.endsWith("\""))) {
                    tokens.add(new Token(Type.FIELD, inner.substring(1, inner.length() - 1), 0));
                } else {
                    try {
                        tokens.add(new Token(Type.INDEX, null, Integer.parseInt(inner)));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("'" + text + "': '[" + inner + "]' (expected: [*], [n] "
                                + "or ['name'])");
                    }
                }
                i = end + 1;
            } else {
                throw new IllegalArgumentException("'" + text + "': unexpected '" + c + "' at " + i);
            }
        }
        return new JsonPath(text.trim(), tokens);
    }

    private static int field(String p, int start, List<Token> tokens, String text) {
        int i = start;
        while (i < p.length() && p.charAt(i) != '.' && p.charAt(i) != '[') {
            i++;
        }
        String name = p.substring(start, i);
        if (name.isEmpty()) {
            if (i < p.length() && p.charAt(i) == '[') {
                return i;
            }
            throw new IllegalArgumentException("'" + text + "': empty field name at " + start);
        }
        tokens.add(name.equals("*") ? new Token(Type.ANY_FIELD, null, 0) : new Token(Type.FIELD, name, 0));
        return i;
    }

    /** True if the concrete path (segments: field names as String, positions as Integer) matches exactly. */
    public boolean matches(List<Object> path) {
        return match(0, path, 0, path.size());
    }

    /** True if the path matches, or lies below a match (so ignoring {@code $.meta} ignores {@code $.meta.x}). */
    public boolean coversOrContains(List<Object> path) {
        for (int end = path.size(); end >= 0; end--) {
            if (match(0, path, 0, end)) {
                return true;
            }
        }
        return false;
    }

    private boolean match(int ti, List<Object> path, int si, int end) {
        if (ti == tokens.size()) {
            return si == end;
        }
        Token t = tokens.get(ti);
        if (t.type() == Type.DEEP) {
            for (int k = si; k <= end; k++) {
                if (match(ti + 1, path, k, end)) {
                    return true;
                }
            }
            return false;
        }
        if (si >= end) {
            return false;
        }
        Object seg = path.get(si);
        boolean ok = switch (t.type()) {
            case FIELD -> seg instanceof String s && s.equals(t.field());
            case INDEX -> seg instanceof Integer n && n == t.index();
            case ANY_INDEX -> !(seg instanceof String);
            case ANY_FIELD -> seg instanceof String;
            default -> false;
        };
        return ok && match(ti + 1, path, si + 1, end);
    }

    /** Renders concrete segments as a path string: {@code $.items[2].price}, {@code $['a.b']}. */
    public static String render(List<Object> path) {
        StringBuilder sb = new StringBuilder("$");
        for (Object seg : path) {
            if (seg instanceof Integer n) {
                sb.append('[').append(n).append(']');
            } else if (seg instanceof String s) {
                if (isPlainName(s)) {
                    sb.append('.').append(s);
                } else {
                    sb.append("['").append(s.replace("'", "\\'")).append("']");
                }
            } else {
                sb.append('[').append(seg).append(']');
            }
        }
        return sb.toString();
    }

    private static boolean isPlainName(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (!Character.isLetterOrDigit(ch) && ch != '_' && ch != '-') {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return text;
    }
}
