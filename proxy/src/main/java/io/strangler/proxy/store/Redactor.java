package io.strangler.proxy.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.strangler.comparator.Difference;
import io.strangler.comparator.JsonPath;
import io.strangler.proxy.config.StoreConfig;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Removes secrets before anything is stored: credential headers always, and the configured headers, query
 * parameters and JSON paths. A redacted value becomes {@value #MARKER}; a difference whose value held a secret
 * keeps its path and kind, and loses its values.
 *
 * <p>Thread-safe and immutable.
 */
public final class Redactor {

    public static final String MARKER = "[redacted]";
    static final Set<String> ALWAYS = Set.of("authorization", "cookie", "set-cookie", "proxy-authorization");

    private final Set<String> headers;
    private final Set<String> queryParams;
    private final List<JsonPath> jsonPaths;
    private final ObjectMapper json = new ObjectMapper();

    public Redactor(StoreConfig.Redaction config) {
        Set<String> h = new TreeSet<>(ALWAYS);
        config.headers().forEach(x -> h.add(x.toLowerCase(Locale.ROOT)));
        this.headers = Set.copyOf(h);
        this.queryParams = Set.copyOf(config.queryParams());
        this.jsonPaths = config.jsonPaths().stream().map(JsonPath::parse).toList();
    }

    public Map<String, List<String>> headers(Map<String, List<String>> in) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        in.forEach((name, values) -> out.put(name, headers.contains(name.toLowerCase(Locale.ROOT))
                ? values.stream().map(v -> MARKER).toList() : values));
        return out;
    }

    /** The path and query with configured parameters' values replaced. */
    public String target(String target) {
        int q = target.indexOf('?');
        if (q < 0 || queryParams.isEmpty()) {
            return target;
        }
        StringBuilder sb = new StringBuilder(target.substring(0, q + 1));
        String[] pairs = target.substring(q + 1).split("&", -1);
        for (int i = 0; i < pairs.length; i++) {
            String pair = pairs[i];
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            sb.append(i == 0 ? "" : "&");
            if (queryParams.contains(name)) {
                sb.append(eq < 0 ? pair : pair.substring(0, eq)).append('=').append(MARKER);
            } else {
                sb.append(pair);
            }
        }
        return sb.toString();
    }

    /** A JSON body with the configured paths' values replaced; anything that is not JSON is returned as is. */
    public byte[] body(byte[] body) {
        if (jsonPaths.isEmpty() || body.length == 0 || !looksLikeJson(body)) {
            return body;
        }
        try {
            JsonNode root = json.readTree(body);
            if (root == null || !redact(root, new ArrayList<>())) {
                return body;
            }
            return json.writeValueAsBytes(root);
        } catch (IOException notJson) {
            return body;
        }
    }

    private static boolean looksLikeJson(byte[] body) {
        for (byte b : body) {
            if (b == '{' || b == '[') {
                return true;
            }
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return false;
    }

    /** Redacts below {@code node}; true if anything changed. */
    private boolean redact(JsonNode node, List<Object> path) {
        boolean changed = false;
        if (node instanceof ObjectNode obj) {
            List<String> names = new ArrayList<>();
            obj.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                path.add(name);
                if (covered(path)) {
                    obj.set(name, TextNode.valueOf(MARKER));
                    changed = true;
                } else {
                    changed |= redact(obj.get(name), path);
                }
                path.remove(path.size() - 1);
            }
        } else if (node instanceof ArrayNode arr) {
            for (int i = 0; i < arr.size(); i++) {
                path.add(i);
                if (covered(path)) {
                    arr.set(i, TextNode.valueOf(MARKER));
                    changed = true;
                } else {
                    changed |= redact(arr.get(i), path);
                }
                path.remove(path.size() - 1);
            }
        }
        return changed;
    }

    private boolean covered(List<Object> path) {
        for (JsonPath p : jsonPaths) {
            if (p.matches(path)) {
                return true;
            }
        }
        return false;
    }

    /** The difference, with its values replaced if they are, or may contain, something redacted. */
    public Difference difference(Difference d) {
        String path = d.path();
        boolean secret;
        if (path.startsWith("header:")) {
            secret = headers.contains(path.substring("header:".length()).toLowerCase(Locale.ROOT));
        } else if (path.startsWith("$") && !jsonPaths.isEmpty()) {
            secret = false;
            try {
                List<Object> segments = JsonPath.parseRendered(path);
                for (Iterator<JsonPath> it = jsonPaths.iterator(); it.hasNext() && !secret; ) {
                    JsonPath p = it.next();
                    secret = p.coversOrContains(segments) || p.mayMatchBelow(segments);
                }
            } catch (IllegalArgumentException unparsable) {
                secret = true;
            }
        } else {
            secret = false;
        }
        if (!secret) {
            return d;
        }
        return new Difference(d.kind(), path, d.legacy() == null ? null : MARKER,
                d.candidate() == null ? null : MARKER);
    }
}
