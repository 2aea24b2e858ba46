package io.strangler.comparator;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed JSON document made for comparing: objects are two small arrays (names and values) in document order,
 * numbers keep the text they were sent as (and become {@link BigDecimal} only when two of them differ), and
 * nothing is built that the comparison does not read. Building it costs about half of what Jackson's
 * {@code JsonNode} tree costs, which matters because parsing is most of a comparison.
 *
 * <p>Immutable once built; nodes may be shared between threads after construction.
 */
final class JsonTree {

    private static final int INDEX_FROM = 9;

    private JsonTree() {
    }

    /** JSON types, named as in type differences ({@code "number 5"}, {@code "string \"5\""}). */
    enum Kind {
        OBJECT, ARRAY, STRING, NUMBER, BOOLEAN, NULL;

        private final String label = name().toLowerCase(Locale.ROOT);

        String label() {
            return label;
        }
    }

    abstract static class Node {
        abstract Kind kind();

        abstract void write(StringBuilder out);

        boolean isValue() {
            return kind() != Kind.OBJECT && kind() != Kind.ARRAY;
        }

        /** Compact JSON, numbers as sent. */
        @Override
        public final String toString() {
            StringBuilder sb = new StringBuilder();
            write(sb);
            return sb.toString();
        }
    }

    static final class Obj extends Node {
        private String[] names;
        private Node[] values;
        private int size;
        private Map<String, Integer> index;

        Obj(int capacity) {
            names = new String[capacity];
            values = new Node[capacity];
        }

        @Override
        Kind kind() {
            return Kind.OBJECT;
        }

        int size() {
            return size;
        }

        String name(int i) {
            return names[i];
        }

        Node value(int i) {
            return values[i];
        }

        /** The value of field {@code name}, or null. */
        Node get(String name) {
            if (index != null) {
                Integer i = index.get(name);
                return i == null ? null : values[i];
            }
            for (int i = 0; i < size; i++) {
                if (names[i].equals(name)) {
                    return values[i];
                }
            }
            return null;
        }

        /** Returns false if the object already has this field (a duplicate key). */
        boolean add(String name, Node value) {
            if (index != null) {
                if (index.putIfAbsent(name, size) != null) {
                    return false;
                }
            } else {
                // Hash first: field names come from the parser's symbol table, their hashes are already cached.
                int h = name.hashCode();
                for (int i = 0; i < size; i++) {
                    if (names[i].hashCode() == h && names[i].equals(name)) {
                        return false;
                    }
                }
            }
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            names[size] = name;
            values[size] = value;
            size++;
            if (index == null && size >= INDEX_FROM) {
                index = new HashMap<>(size * 2);
                for (int i = 0; i < size; i++) {
                    index.put(names[i], i);
                }
            }
            return true;
        }

        @Override
        void write(StringBuilder out) {
            out.append('{');
            for (int i = 0; i < size; i++) {
                if (i > 0) {
                    out.append(',');
                }
                Str.quote(names[i], out);
                out.append(':');
                values[i].write(out);
            }
            out.append('}');
        }

        /** Same fields with equal values, in any order. */
        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Obj other) || other.size != size) {
                return false;
            }
            for (int i = 0; i < size; i++) {
                Node v = other.get(names[i]);
                if (v == null || !v.equals(values[i])) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int h = 0;
            for (int i = 0; i < size; i++) {
                h += names[i].hashCode() ^ values[i].hashCode();
            }
            return h;
        }
    }

    static final class Arr extends Node {
        private Node[] items;
        private int size;

        Arr(int capacity) {
            items = new Node[capacity];
        }

        @Override
        Kind kind() {
            return Kind.ARRAY;
        }

        int size() {
            return size;
        }

        Node get(int i) {
            return items[i];
        }

        void add(Node item) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size++] = item;
        }

        @Override
        void write(StringBuilder out) {
            out.append('[');
            for (int i = 0; i < size; i++) {
                if (i > 0) {
                    out.append(',');
                }
                items[i].write(out);
            }
            out.append(']');
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Arr other) || other.size != size) {
                return false;
            }
            for (int i = 0; i < size; i++) {
                if (!items[i].equals(other.items[i])) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int h = 1;
            for (int i = 0; i < size; i++) {
                h = 31 * h + items[i].hashCode();
            }
            return h;
        }
    }

    static final class Str extends Node {
        final String value;

        Str(String value) {
            this.value = value;
        }

        @Override
        Kind kind() {
            return Kind.STRING;
        }

        @Override
        void write(StringBuilder out) {
            quote(value, out);
        }

        static void quote(String s, StringBuilder out) {
            out.append('"');
            JsonStringEncoder.getInstance().quoteAsString(s, out);
            out.append('"');
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Str other && other.value.equals(value);
        }

        @Override
        public int hashCode() {
            return value.hashCode();
        }
    }

    /** A number as sent. Equal when the text is equal; {@link #decimal()} for numeric comparison. */
    static final class Num extends Node {
        final String text;
        private BigDecimal decimal;

        Num(String text) {
            this.text = text;
        }

        @Override
        Kind kind() {
            return Kind.NUMBER;
        }

        BigDecimal decimal() {
            if (decimal == null) {
                decimal = new BigDecimal(text);
            }
            return decimal;
        }

        @Override
        void write(StringBuilder out) {
            out.append(text);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Num other && other.text.equals(text);
        }

        @Override
        public int hashCode() {
            return text.hashCode();
        }
    }

    static final class Literal extends Node {
        static final Literal TRUE = new Literal(Kind.BOOLEAN, "true");
        static final Literal FALSE = new Literal(Kind.BOOLEAN, "false");
        static final Literal NULL = new Literal(Kind.NULL, "null");

        private final Kind kind;
        private final String text;

        private Literal(Kind kind, String text) {
            this.kind = kind;
            this.text = text;
        }

        @Override
        Kind kind() {
            return kind;
        }

        @Override
        void write(StringBuilder out) {
            out.append(text);
        }
    }

    /**
     * Reads one document from {@code p}: null if there is none (only whitespace). Fails on a duplicate key and on
     * anything after the document, as on any syntax error; nesting depth is bounded by the parser's constraints.
     * Iterative, so deep documents cannot overflow the stack here.
     */
    static Node parse(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            return null;
        }
        Node[] stack = new Node[16];
        String[] pendingNames = new String[16];
        int depth = 0;
        Node root = null;
        String name = null;
        while (true) {
            Node value;
            switch (t) {
                case START_OBJECT, START_ARRAY -> {
                    Node container = t == JsonToken.START_OBJECT ? new Obj(8) : new Arr(8);
                    if (depth == stack.length) {
                        stack = Arrays.copyOf(stack, depth * 2);
                        pendingNames = Arrays.copyOf(pendingNames, depth * 2);
                    }
                    pendingNames[depth] = name;
                    stack[depth++] = container;
                    name = null;
                    t = next(p, container);
                    continue;
                }
                case END_OBJECT, END_ARRAY -> {
                    value = stack[--depth];
                    stack[depth] = null;
                    name = pendingNames[depth];
                }
                case FIELD_NAME -> {
                    name = p.currentName();
                    t = p.nextToken();
                    continue;
                }
                case VALUE_STRING -> value = new Str(p.getText());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> value = new Num(p.getText());
                case VALUE_TRUE -> value = Literal.TRUE;
                case VALUE_FALSE -> value = Literal.FALSE;
                case VALUE_NULL -> value = Literal.NULL;
                default -> throw new JsonParseException(p, "Unexpected token " + t);
            }
            if (depth == 0) {
                root = value;
                break;
            }
            Node parent = stack[depth - 1];
            if (parent instanceof Obj obj) {
                if (!obj.add(name, value)) {
                    throw new JsonParseException(p, "Duplicate field '" + name + "'");
                }
                name = null;
            } else {
                ((Arr) parent).add(value);
            }
            t = next(p, parent);
        }
        if (p.nextToken() != null) {
            throw new JsonParseException(p, "Trailing content after the JSON document");
        }
        return root;
    }

    /**
     * The next token inside {@code container}. In an object the parser's {@code nextFieldName()} is used, which
     * reads a field name and its value's first token in one step: the common case, and the parser's fast path.
     */
    private static JsonToken next(JsonParser p, Node container) throws IOException {
        if (container instanceof Obj) {
            String field = p.nextFieldName();
            if (field != null) {
                return JsonToken.FIELD_NAME;
            }
            return p.currentToken();
        }
        return p.nextToken();
    }
}
