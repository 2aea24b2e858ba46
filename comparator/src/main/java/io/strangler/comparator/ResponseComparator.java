package io.strangler.comparator;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * Compares a legacy and a candidate response under a route's {@link CompareRules}. Pure computation, no I/O:
 * call it off the event loop. Thread-safe; one instance can serve every route.
 *
 * <p>Order of work: failures decide the verdict first; then status, headers and the body. Bodies are decoded
 * ({@code Content-Encoding: gzip|deflate}), cut at {@code maxBodyBytes}, and compared by media type: JSON
 * structurally, text line by line, anything else by length and SHA-256. A body that claims to be JSON and is not
 * (or is nested deeper than {@value #MAX_JSON_DEPTH}) is compared as text and says so in the notes.
 */
public final class ResponseComparator {

    /** JSON nested deeper than this is not parsed (no stack overflow on hostile input). */
    public static final int MAX_JSON_DEPTH = 500;

    private final JsonFactory json;
    private final EndpointTemplates templates;

    public ResponseComparator(EndpointTemplates templates) {
        this.templates = requireNonNull(templates, "templates");
        this.json = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build())
                .build();
    }

    public ResponseComparator() {
        this(EndpointTemplates.defaults());
    }

    public Comparison compare(ComparedRequest request, Observation legacy, Observation candidate, CompareRules rules) {
        Run run = new Run(rules);
        String endpoint = templates.templateOf(request.path());
        if (legacy.failed() || candidate.failed()) {
            Verdict v = legacy.failed() && candidate.failed() ? Verdict.BOTH_FAILED
                    : legacy.failed() ? Verdict.LEGACY_FAILED : Verdict.CANDIDATE_FAILED;
            return new Comparison(request, endpoint, v, List.of(), List.of(), Map.of(), List.of());
        }
        if (legacy.status() != candidate.status()) {
            run.report(DifferenceKind.STATUS, List.of(), "status", String.valueOf(legacy.status()),
                    String.valueOf(candidate.status()));
        }
        compareBodies(run, legacy, candidate);
        compareHeaders(run, legacy, candidate);
        Verdict verdict = !run.differences.isEmpty() ? Verdict.DIVERGED
                : !run.ignored.isEmpty() ? Verdict.IGNORED : Verdict.MATCHED;
        return new Comparison(request, endpoint, verdict, run.differences, run.ignored, run.ruleHits, run.notes);
    }

    /** State of one comparison: what was found, ignored and counted. Not shared between threads. */
    private static final class Run {
        final CompareRules rules;
        final List<Difference> differences = new ArrayList<>();
        final List<Difference> ignored = new ArrayList<>();
        // Hash, not tree: the comparison copies it into an unordered immutable map anyway.
        final Map<String, Integer> ruleHits = new HashMap<>(8);
        final List<String> notes = new ArrayList<>();

        Run(CompareRules rules) {
            this.rules = rules;
        }

        void hit(String rule) {
            ruleHits.merge(rule, 1, Integer::sum);
        }

        /** Records a difference at a JSON path (or a fixed path when {@code segments} is empty). */
        void report(DifferenceKind kind, List<Object> segments, String path, String legacy, String candidate) {
            Difference d = new Difference(kind, path, legacy, candidate);
            if (!segments.isEmpty()) {
                for (JsonPath p : rules.ignorePaths()) {
                    if (p.coversOrContains(segments)) {
                        hit("ignorePaths:" + p);
                        ignored.add(d);
                        return;
                    }
                }
            }
            differences.add(d);
        }
    }

    private void compareHeaders(Run run, Observation legacy, Observation candidate) {
        Set<String> names = new TreeSet<>(legacy.headers().keySet());
        names.addAll(candidate.headers().keySet());
        for (String name : names) {
            if (CompareRules.ALWAYS_IGNORED_HEADERS.contains(name)) {
                continue;
            }
            List<String> l = legacy.headers().get(name);
            List<String> c = candidate.headers().get(name);
            String lv = l == null ? null : String.join(", ", l);
            String cv = c == null ? null : String.join(", ", c);
            if (lv != null && lv.equals(cv)) {
                continue;
            }
            Difference d = new Difference(DifferenceKind.HEADER, "header:" + canonicalHeader(name), lv, cv);
            if (run.rules.ignoreHeaders().contains(name)) {
                run.hit("ignoreHeaders:" + name);
                run.ignored.add(d);
            } else {
                run.differences.add(d);
            }
        }
    }

    private static String canonicalHeader(String lower) {
        StringBuilder sb = new StringBuilder(lower.length());
        boolean up = true;
        for (char ch : lower.toCharArray()) {
            sb.append(up ? Character.toUpperCase(ch) : ch);
            up = ch == '-';
        }
        return sb.toString();
    }

    /** Returns true if the bodies are equal (after decoding and rules). */
    private boolean compareBodies(Run run, Observation legacy, Observation candidate) {
        int limit = run.rules.maxBodyBytes();
        byte[] l = decode(run, legacy, "legacy", limit);
        byte[] c = decode(run, candidate, "candidate", limit);
        if (legacy.body().isTruncated() || candidate.body().isTruncated()) {
            run.notes.add("a body was captured only in part; compared what was captured");
        }
        boolean cut = l.length > limit || c.length > limit;
        if (cut) {
            run.notes.add("body larger than maxBodyBytes (" + limit + " bytes): compared by length and hash of "
                    + "the first " + limit + " bytes");
            byte[] lp = java.util.Arrays.copyOf(l, Math.min(l.length, limit));
            byte[] cp = java.util.Arrays.copyOf(c, Math.min(c.length, limit));
            if (l.length != c.length || !java.util.Arrays.equals(lp, cp)) {
                run.report(DifferenceKind.BINARY, List.of(), "body", describeBinary(l.length, lp),
                        describeBinary(c.length, cp));
                return false;
            }
            return true;
        }
        if (java.util.Arrays.equals(l, c) && run.rules.normalize().isEmpty()) {
            return true;
        }
        String lt = legacy.mediaType();
        String ct = candidate.mediaType();
        if (isJson(lt) || isJson(ct)) {
            Optional<JsonTree.Node> lj = parse(run, l, "legacy");
            Optional<JsonTree.Node> cj = parse(run, c, "candidate");
            if (lj.isPresent() && cj.isPresent()) {
                int before = run.differences.size() + run.ignored.size();
                diff(run, new ArrayList<>(), lj.get(), cj.get());
                return run.differences.size() + run.ignored.size() == before;
            }
        }
        if (isText(lt) || isText(ct) || isJson(lt) || isJson(ct)) {
            return compareText(run, text(l, legacy), text(c, candidate));
        }
        if (!java.util.Arrays.equals(l, c)) {
            run.report(DifferenceKind.BINARY, List.of(), "body", describeBinary(l.length, l),
                    describeBinary(c.length, c));
            return false;
        }
        return true;
    }

    private static boolean isJson(String mediaType) {
        return mediaType.equals("application/json") || mediaType.endsWith("+json");
    }

    private static boolean isText(String mediaType) {
        return mediaType.startsWith("text/") || mediaType.endsWith("+xml") || mediaType.equals("application/xml")
                || mediaType.equals("application/javascript") || mediaType.equals("application/x-www-form-urlencoded");
    }

    /** Undoes gzip/deflate; reads at most {@code limit + 1} bytes so that a bomb cannot blow memory up. */
    private static byte[] decode(Run run, Observation o, String side, int limit) {
        byte[] raw = o.body().unsafeBytes();
        String encoding = o.header("content-encoding").orElse("").trim().toLowerCase(Locale.ROOT);
        if (raw.length == 0 || !(encoding.equals("gzip") || encoding.equals("deflate"))) {
            return raw;
        }
        try (InputStream in = encoding.equals("gzip") ? new GZIPInputStream(new ByteArrayInputStream(raw))
                : new InflaterInputStream(new ByteArrayInputStream(raw))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(raw.length * 4, limit + 1));
            byte[] buf = new byte[8192];
            int r;
            while (out.size() <= limit && (r = in.read(buf)) >= 0) {
                out.write(buf, 0, r);
            }
            return out.toByteArray();
        } catch (IOException e) {
            run.notes.add(side + " body says Content-Encoding: " + encoding + " but does not decode ("
                    + e.getMessage() + "); compared as sent");
            return raw;
        }
    }

    private Optional<JsonTree.Node> parse(Run run, byte[] bytes, String side) {
        if (bytes.length == 0) {
            run.notes.add(side + " body is empty");
            return Optional.empty();
        }
        try (JsonParser p = json.createParser(bytes)) {
            return Optional.ofNullable(JsonTree.parse(p));
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            int nl = msg.indexOf('\n');
            run.notes.add(side + " body is not valid JSON (" + (nl < 0 ? msg : msg.substring(0, nl))
                    + "); compared as text");
            return Optional.empty();
        }
    }

    private static String text(byte[] bytes, Observation o) {
        Charset cs = StandardCharsets.UTF_8;
        String ct = o.header("content-type").orElse("");
        int at = ct.toLowerCase(Locale.ROOT).indexOf("charset=");
        if (at >= 0) {
            String name = ct.substring(at + 8).split("[;\\s]")[0].replace("\"", "");
            try {
                cs = Charset.forName(name);
            } catch (RuntimeException unknown) {
                cs = StandardCharsets.UTF_8;
            }
        }
        try {
            return cs.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    private static String normalize(Run run, String s) {
        String out = s;
        for (CompareRules.Normalization n : run.rules.normalize()) {
            String next = n.pattern().matcher(out).replaceAll(n.replacement());
            if (!next.equals(out)) {
                run.hit("normalize:" + n.name());
                out = next;
            }
        }
        return out;
    }

    /** Line diff: trims the common head and tail and reports the rest as one compact difference. */
    private static boolean compareText(Run run, String legacy, String candidate) {
        String l = normalize(run, legacy);
        String c = normalize(run, candidate);
        if (l.equals(c)) {
            if (!legacy.equals(candidate)) {
                run.ignored.add(new Difference(DifferenceKind.TEXT, "body", legacy, candidate));
            }
            return true;
        }
        String[] ll = l.split("\n", -1);
        String[] cl = c.split("\n", -1);
        int head = 0;
        while (head < ll.length && head < cl.length && ll[head].equals(cl[head])) {
            head++;
        }
        int tail = 0;
        while (tail < ll.length - head && tail < cl.length - head
                && ll[ll.length - 1 - tail].equals(cl[cl.length - 1 - tail])) {
            tail++;
        }
        String lv = String.join("\n", java.util.Arrays.copyOfRange(ll, head, ll.length - tail));
        String cv = String.join("\n", java.util.Arrays.copyOfRange(cl, head, cl.length - tail));
        run.report(DifferenceKind.TEXT, List.of(), "body:line " + (head + 1), lv, cv);
        return false;
    }

    private static String describeBinary(int length, byte[] bytes) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(bytes);
            return length + " bytes, sha256 " + HexFormat.of().formatHex(sha, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void diff(Run run, List<Object> path, JsonTree.Node l, JsonTree.Node c) {
        JsonTree.Kind lk = l.kind();
        JsonTree.Kind ck = c.kind();
        if (lk == JsonTree.Kind.OBJECT && ck == JsonTree.Kind.OBJECT) {
            diffObjects(run, path, (JsonTree.Obj) l, (JsonTree.Obj) c);
        } else if (lk == JsonTree.Kind.ARRAY && ck == JsonTree.Kind.ARRAY) {
            diffArrays(run, path, (JsonTree.Arr) l, (JsonTree.Arr) c);
        } else if (lk == JsonTree.Kind.NUMBER && ck == JsonTree.Kind.NUMBER) {
            JsonTree.Num ln = (JsonTree.Num) l;
            JsonTree.Num cn = (JsonTree.Num) c;
            // Same text is the common case, decided without building BigDecimals.
            if (!ln.text.equals(cn.text) && !numbersEqual(run, ln.decimal(), cn.decimal())) {
                run.report(DifferenceKind.VALUE, path, JsonPath.render(path), ln.text, cn.text);
            }
        } else if (lk == JsonTree.Kind.STRING && ck == JsonTree.Kind.STRING) {
            String lt = ((JsonTree.Str) l).value;
            String ct = ((JsonTree.Str) c).value;
            if (!lt.equals(ct)) {
                if (normalize(run, lt).equals(normalize(run, ct))) {
                    run.ignored.add(new Difference(DifferenceKind.VALUE, JsonPath.render(path), lt, ct));
                } else {
                    run.report(DifferenceKind.VALUE, path, JsonPath.render(path), lt, ct);
                }
            }
        } else if (lk != ck) {
            run.report(DifferenceKind.TYPE, path, JsonPath.render(path), typeAndValue(l), typeAndValue(c));
        } else if (!l.equals(c)) {
            run.report(DifferenceKind.VALUE, path, JsonPath.render(path), l.toString(), c.toString());
        }
    }

    private static String typeAndValue(JsonTree.Node n) {
        return n.kind().label() + " " + n;
    }

    private static boolean numbersEqual(Run run, BigDecimal a, BigDecimal b) {
        if (a.compareTo(b) == 0) {
            return true;
        }
        double tol = run.rules.numericTolerance();
        if (tol > 0) {
            BigDecimal diff = a.subtract(b).abs();
            BigDecimal scale = a.abs().max(b.abs());
            if (diff.compareTo(scale.multiply(BigDecimal.valueOf(tol))) <= 0) {
                run.hit("numericTolerance");
                return true;
            }
        }
        return false;
    }

    private void diffObjects(Run run, List<Object> path, JsonTree.Obj l, JsonTree.Obj c) {
        int matched = 0;
        for (int i = 0; i < l.size(); i++) {
            String name = l.name(i);
            // Objects usually list their fields in the same order: try the same position before searching.
            JsonTree.Node cv = i < c.size() && c.name(i).equals(name) ? c.value(i) : c.get(name);
            path.add(name);
            if (cv == null) {
                run.report(DifferenceKind.MISSING_FIELD, path, JsonPath.render(path), l.value(i).toString(), null);
            } else {
                matched++;
                diff(run, path, l.value(i), cv);
            }
            path.remove(path.size() - 1);
        }
        if (matched == c.size()) {
            return;
        }
        for (int i = 0; i < c.size(); i++) {
            if (l.get(c.name(i)) == null) {
                path.add(c.name(i));
                run.report(DifferenceKind.EXTRA_FIELD, path, JsonPath.render(path), null, c.value(i).toString());
                path.remove(path.size() - 1);
            }
        }
    }

    private void diffArrays(Run run, List<Object> path, JsonTree.Arr l, JsonTree.Arr c) {
        for (CompareRules.UnorderedArray u : run.rules.unorderedArrays()) {
            if (u.path().matches(path)) {
                run.hit("unorderedArrays:" + u);
                if (u.key().isPresent()) {
                    diffKeyed(run, path, l, c, u.key().get());
                } else {
                    diffMultiset(run, path, l, c);
                }
                return;
            }
        }
        int beforeD = run.differences.size();
        int beforeI = run.ignored.size();
        int n = Math.min(l.size(), c.size());
        int firstDiffering = -1;
        for (int i = 0; i < n; i++) {
            int found = run.differences.size() + run.ignored.size();
            path.add(i);
            diff(run, path, l.get(i), c.get(i));
            path.remove(path.size() - 1);
            if (firstDiffering < 0 && run.differences.size() + run.ignored.size() > found) {
                firstDiffering = i;
            }
        }
        if (firstDiffering >= 0 && l.size() == c.size() && isReordering(l, c, firstDiffering)) {
            // Same elements, other order: one ORDER difference says it better than n value differences.
            run.differences.subList(beforeD, run.differences.size()).clear();
            run.ignored.subList(beforeI, run.ignored.size()).clear();
            run.report(DifferenceKind.ORDER, path, JsonPath.render(path), null, null);
            return;
        }
        if (l.size() != c.size()) {
            run.report(DifferenceKind.ARRAY_LENGTH, path, JsonPath.render(path), String.valueOf(l.size()),
                    String.valueOf(c.size()));
        }
    }

    /**
     * True if the arrays hold the same elements in another order. Cheap test first: the first differing legacy
     * element must occur elsewhere in the candidate array, or it cannot be a reordering.
     */
    private static boolean isReordering(JsonTree.Arr l, JsonTree.Arr c, int firstDiffering) {
        JsonTree.Node probe = l.get(firstDiffering);
        boolean elsewhere = false;
        for (int j = 0; j < c.size() && !elsewhere; j++) {
            elsewhere = j != firstDiffering && probe.equals(c.get(j));
        }
        return elsewhere && canonicalCounts(l).equals(canonicalCounts(c));
    }

    private static Map<String, Integer> canonicalCounts(JsonTree.Arr array) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < array.size(); i++) {
            counts.merge(array.get(i).toString(), 1, Integer::sum);
        }
        return counts;
    }

    private void diffMultiset(Run run, List<Object> path, JsonTree.Arr l, JsonTree.Arr c) {
        Map<String, Integer> lc = canonicalCounts(l);
        Map<String, Integer> cc = canonicalCounts(c);
        if (lc.equals(cc)) {
            return;
        }
        List<String> onlyLegacy = new ArrayList<>();
        List<String> onlyCandidate = new ArrayList<>();
        Set<String> all = new TreeSet<>(lc.keySet());
        all.addAll(cc.keySet());
        for (String e : all) {
            int d = lc.getOrDefault(e, 0) - cc.getOrDefault(e, 0);
            for (int i = 0; i < Math.abs(d); i++) {
                (d > 0 ? onlyLegacy : onlyCandidate).add(e);
            }
        }
        path.add(AnyElement.INSTANCE);
        run.report(DifferenceKind.VALUE, path, JsonPath.render(path), String.join(", ", onlyLegacy),
                String.join(", ", onlyCandidate));
        path.remove(path.size() - 1);
    }

    private void diffKeyed(Run run, List<Object> path, JsonTree.Arr l, JsonTree.Arr c, String key) {
        Map<String, JsonTree.Node> lm = byKey(l, key);
        Map<String, JsonTree.Node> cm = byKey(c, key);
        Set<String> keys = new LinkedHashSet<>(lm.keySet());
        keys.addAll(cm.keySet());
        for (String k : keys) {
            path.add(new KeySegment(key, k));
            JsonTree.Node lv = lm.get(k);
            JsonTree.Node cv = cm.get(k);
            if (cv == null) {
                run.report(DifferenceKind.MISSING_FIELD, path, JsonPath.render(path), lv.toString(), null);
            } else if (lv == null) {
                run.report(DifferenceKind.EXTRA_FIELD, path, JsonPath.render(path), null, cv.toString());
            } else {
                diff(run, path, lv, cv);
            }
            path.remove(path.size() - 1);
        }
    }

    /** Elements by the text of their key field; an element without one is keyed by its position ({@code #3}). */
    private static Map<String, JsonTree.Node> byKey(JsonTree.Arr array, String key) {
        Map<String, JsonTree.Node> out = new LinkedHashMap<>();
        for (int i = 0; i < array.size(); i++) {
            JsonTree.Node e = array.get(i);
            JsonTree.Node k = e instanceof JsonTree.Obj o ? o.get(key) : null;
            out.putIfAbsent(k == null ? "#" + i : keyText(k), e);
        }
        return out;
    }

    private static String keyText(JsonTree.Node k) {
        if (k instanceof JsonTree.Str s) {
            return s.value;
        }
        return k.isValue() ? k.toString() : "";
    }

    /**
     * "Some element of this array" in a path, for a multiset difference: renders as {@code [*]} and, being an
     * array position rather than a field name, matches {@code [*]} in patterns.
     */
    enum AnyElement {
        INSTANCE;

        @Override
        public String toString() {
            return "*";
        }
    }

    /** An array element matched by key; renders as {@code [id=7]} and matches {@code [*]} in patterns. */
    record KeySegment(String key, String value) {
        @Override
        public String toString() {
            return key + "=" + value;
        }
    }
}
