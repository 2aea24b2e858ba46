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

    /**
     * True if a value at {@code path} could hold a match below it: {@code $.user.password} may match inside the
     * value at {@code $.user}. Used to redact whole values that contain a secret.
     */
    public boolean mayMatchBelow(List<Object> path) {
        return matchPrefix(0, path, 0);
    }

    private boolean matchPrefix(int ti, List<Object> path, int si) {
        if (si == path.size()) {
            return true;
        }
        if (ti == tokens.size()) {
            return false;
        }
        Token t = tokens.get(ti);
        if (t.type() == Type.DEEP) {
            for (int k = si; k <= path.size(); k++) {
                if (matchPrefix(ti + 1, path, k)) {
                    return true;
                }
            }
            return false;
        }
        boolean ok = segmentMatches(t, path.get(si));
        return ok && matchPrefix(ti + 1, path, si + 1);
    }

    /**
     * The segments of a path as {@link #render} writes it ({@code $.a['b.c'][3][*][id=7]}): field names as String,
     * positions as Integer, and {@code [*]} and {@code [key=value]} as array positions that match {@code [*]}.
     *
     * @throws IllegalArgumentException if it is not such a path
     */
    public static List<Object> parseRendered(String rendered) {
        if (!rendered.startsWith("$")) {
            throw new IllegalArgumentException("not a JSON path: '" + rendered + "'");
        }
        List<Object> out = new ArrayList<>();
        int i = 1;
        while (i < rendered.length()) {
            char c = rendered.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < rendered.length() && rendered.charAt(end) != '.' && rendered.charAt(end) != '[') {
                    end++;
                }
                out.add(rendered.substring(i + 1, end));
                i = end;
            } else if (c == '[' && rendered.startsWith("['", i)) {
                StringBuilder name = new StringBuilder();
                int j = i + 2;
                while (j < rendered.length() && !(rendered.charAt(j) == '\'' && rendered.startsWith("']", j))) {
                    if (rendered.charAt(j) == '\\' && j + 1 < rendered.length()) {
                        j++;
                    }
                    name.append(rendered.charAt(j++));
                }
                out.add(name.toString());
                i = j + 2;
            } else if (c == '[') {
                int end = rendered.indexOf(']', i);
                if (end < 0) {
                    throw new IllegalArgumentException("not a JSON path: '" + rendered + "'");
                }
                String inner = rendered.substring(i + 1, end);
                int eq = inner.indexOf('=');
                if (inner.equals("*")) {
                    out.add(ResponseComparator.AnyElement.INSTANCE);
                } else if (eq > 0) {
                    out.add(new ResponseComparator.KeySegment(inner.substring(0, eq), inner.substring(eq + 1)));
                } else {
                    try {
                        out.add(Integer.parseInt(inner));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("not a JSON path: '" + rendered + "'", e);
                    }
                }
                i = end + 1;
            } else {
                throw new IllegalArgumentException("not a JSON path: '" + rendered + "'");
            }
        }
        return out;
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
        boolean ok = segmentMatches(t, path.get(si));
        return ok && match(ti + 1, path, si + 1, end);
    }

    private static boolean segmentMatches(Token t, Object seg) {
        return switch (t.type()) {
            case FIELD -> seg instanceof String s && s.equals(t.field());
            case INDEX -> seg instanceof Integer n && n == t.index();
            case ANY_INDEX -> !(seg instanceof String);
            case ANY_FIELD -> seg instanceof String;
            default -> false;
        };
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
