package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.strangler.comparator.CompareRules;
import io.strangler.comparator.JsonPath;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads a YAML config into a {@link ProxyConfig}. It walks the document by hand rather than data-binding it, so
 * that one pass finds every problem (unknown keys, wrong types, bad durations and sizes, dangling upstream ids,
 * duplicate route ids) and reports them all together, each with its path, e.g.
 * {@code routes[1].legacy: 'legcy' (expected: one of [legacy, candidate])}.
 */
public final class ConfigLoader {

    private static final Set<String> TOP_KEYS = Set.of("listen", "upstreams", "routes", "shadowing", "comparison",
            "store", "admin");
    private static final Set<String> ADMIN_KEYS = Set.of("host", "port", "tokens");
    private static final Set<String> TOKEN_KEYS = Set.of("name", "token", "readOnly");
    private static final int MIN_TOKEN_CHARS = 16;
    private static final Set<String> STORE_KEYS = Set.of("url", "user", "password", "instance",
            "samplesPerDifference", "maxBodyBytes", "retention", "maxSamples", "queueSize", "flushInterval", "redact");
    private static final Set<String> REDACT_KEYS = Set.of("headers", "jsonPaths", "queryParams");
    private static final Set<String> COMPARISON_KEYS = Set.of("endpointIdPatterns", "noiseRatio", "noiseMinSamples",
            "noiseMaxPaths");
    private static final Set<String> LISTEN_KEYS = Set.of("host", "port", "transport", "ioThreads",
            "maxInitialLineBytes", "maxHeaderBytes", "maxRequestBodyBytes", "requestHeaderTimeout", "idleTimeout",
            "drainTimeout", "requestDecoder");
    private static final Set<String> UPSTREAM_KEYS = Set.of("url", "connectTimeout", "responseTimeout",
            "maxConnections", "idleTimeout", "responseDecoder");
    private static final Set<String> ROUTE_KEYS = Set.of("id", "match", "legacy", "candidate", "mode",
            "preserveHost", "servedByHeader", "shadow", "circuitBreaker", "compare", "pilot", "fallbackOn5xx", "record",
            "recordWhenCandidateUnavailable");
    private static final Set<String> RECORD_KEYS = Set.of("enabled", "sampleRate", "maxBytes", "rotate", "maxFiles",
            "dir");
    private static final Set<String> PILOT_KEYS = Set.of("userFrom", "users", "percentage", "header", "headerValue");
    private static final Set<String> SHADOWING_KEYS = Set.of("ioThreads", "compareThreads", "compareQueue",
            "comparePendingBytes", "backgroundCpu");
    private static final Set<String> SHADOW_KEYS = Set.of("sampleRate", "methods", "maxBodyBytes", "maxConcurrent",
            "timeout");
    private static final Set<String> BREAKER_KEYS = Set.of("failureRateThreshold", "slowCallThreshold",
            "slowCallRateThreshold", "waitInOpenState", "slidingWindowSize", "minimumCalls", "halfOpenCalls");
    private static final Set<String> COMPARE_KEYS = Set.of("ignoreHeaders", "ignorePaths", "unorderedArrays",
            "numericTolerance", "normalize", "noise");
    private static final Set<String> NOISE_KEYS = Set.of("secondary");
    private static final Set<String> NORMALIZE_KEYS = Set.of("name", "pattern", "replacement");
    private static final Set<String> MATCH_KEYS = Set.of("pathPrefix", "methods", "host");
    private static final List<String> TRANSPORTS = List.of("auto", "io_uring", "epoll", "nio");
    private static final List<String> DECODERS = List.of("netty", "strangler");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern METHOD = Pattern.compile("[A-Z]+");
    private static final long MAX_BODY_LIMIT = Integer.MAX_VALUE;

    private final EnvExpander env;

    public ConfigLoader(EnvExpander env) {
        this.env = requireNonNull(env, "env");
    }

    /** A loader that expands placeholders from the process environment. */
    public static ConfigLoader withSystemEnv() {
        return new ConfigLoader(new EnvExpander(System::getenv));
    }

    public ProxyConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(file + ": no such file"));
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read (" + e.getMessage() + ")"));
        }
        return parse(text, file.toString());
    }

    public ProxyConfig parse(String yaml, String source) throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : ":" + e.getLocation().getLineNr() + ":"
                    + e.getLocation().getColumnNr();
            throw new ConfigException(List.of(source + where + ": not valid YAML (" + e.getOriginalMessage() + ")"));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException(List.of(source + ": empty config (expected: at least upstreams and routes)"));
        }
        Reader r = new Reader();
        ProxyConfig config = r.config(root);
        if (!r.errors.isEmpty()) {
            throw new ConfigException(r.errors);
        }
        return config;
    }

    /** One pass over one document; collects errors instead of stopping at the first. */
    private final class Reader {
        final List<String> errors = new ArrayList<>();

        ProxyConfig config(JsonNode root) {
            if (!object("", root, TOP_KEYS)) {
                return null;
            }
            ListenConfig listen = listen(root.path("listen"));
            Map<String, UpstreamConfig> upstreams = upstreams(root.path("upstreams"));
            // Routes are checked against every declared upstream id, so that one broken upstream definition
            // yields one error rather than one more per route that uses it.
            Set<String> declared = new TreeSet<>();
            root.path("upstreams").fieldNames().forEachRemaining(declared::add);
            List<RouteConfig> routes = routes(root.path("routes"), declared);
            ShadowingConfig shadowing = shadowing(root.path("shadowing"));
            ComparisonConfig comparison = comparison(root.path("comparison"));
            StoreConfig store = store(root.path("store"));
            AdminConfig admin = admin(root.path("admin"));
            if (!errors.isEmpty()) {
                return null;
            }
            return new ProxyConfig(listen, upstreams, routes, shadowing, comparison, Optional.of(store),
                    Optional.of(admin));
        }

        AdminConfig admin(JsonNode n) {
            AdminConfig d = AdminConfig.defaults();
            if (n.isMissingNode() || !object("admin", n, ADMIN_KEYS)) {
                return d;
            }
            List<AdminConfig.Token> tokens = new ArrayList<>();
            JsonNode t = n.path("tokens");
            if (!t.isMissingNode() && !t.isArray()) {
                errors.add("admin.tokens: " + describe(t) + " (expected: a list of { name, token, readOnly })");
            } else {
                Set<String> names = new java.util.HashSet<>();
                for (int i = 0; i < t.size(); i++) {
                    String path = "admin.tokens[" + i + "]";
                    if (!object(path, t.get(i), TOKEN_KEYS)) {
                        continue;
                    }
                    String name = string(path + ".name", t.get(i).path("name"), null);
                    String token = string(path + ".token", t.get(i).path("token"), null);
                    boolean readOnly = bool(path + ".readOnly", t.get(i).path("readOnly"), false);
                    if (name == null || token == null) {
                        errors.add(path + ": needs name and token (expected: { name: oncall, token: "
                                + "${ONCALL_TOKEN} })");
                    } else if (token.length() < MIN_TOKEN_CHARS) {
                        errors.add(path + ".token: too short for '" + name + "' (expected: at least "
                                + MIN_TOKEN_CHARS + " characters, e.g. from openssl rand -hex 24)");
                    } else if (!names.add(name)) {
                        errors.add(path + ".name: duplicate '" + name + "'");
                    } else {
                        tokens.add(new AdminConfig.Token(name, token, readOnly));
                    }
                }
            }
            return new AdminConfig(string("admin.host", n.path("host"), d.host()),
                    integer("admin.port", n.path("port"), d.port(), 0, 65535), tokens);
        }

        StoreConfig store(JsonNode n) {
            StoreConfig d = StoreConfig.defaults();
            if (n.isMissingNode() || !object("store", n, STORE_KEYS)) {
                return d;
            }
            String url = string("store.url", n.path("url"), d.url());
            if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
                errors.add("store.url: '" + url + "' (expected: jdbc:h2:file:<path> or jdbc:postgresql://host/db)");
            }
            String instance = string("store.instance", n.path("instance"), d.instance());
            if (instance.isBlank() || instance.length() > 200) {
                errors.add("store.instance: '" + instance + "' (expected: 1 to 200 characters)");
            }
            return new StoreConfig(url,
                    Optional.ofNullable(string("store.user", n.path("user"), null)),
                    Optional.ofNullable(string("store.password", n.path("password"), null)),
                    instance,
                    integer("store.samplesPerDifference", n.path("samplesPerDifference"), d.samplesPerDifference(),
                            0, 1000),
                    (int) size("store.maxBodyBytes", n.path("maxBodyBytes"), d.maxBodyBytes(), 0, 16 << 20),
                    duration("store.retention", n.path("retention"), d.retention()),
                    integer("store.maxSamples", n.path("maxSamples"), d.maxSamples(), 1, 100_000_000),
                    integer("store.queueSize", n.path("queueSize"), d.queueSize(), 1, 10_000_000),
                    duration("store.flushInterval", n.path("flushInterval"), d.flushInterval()),
                    redaction(n.path("redact")));
        }

        StoreConfig.Redaction redaction(JsonNode n) {
            if (n.isMissingNode() || !object("store.redact", n, REDACT_KEYS)) {
                return StoreConfig.Redaction.none();
            }
            List<String> jsonPaths = strings("store.redact.jsonPaths", n.path("jsonPaths"));
            for (int i = 0; i < jsonPaths.size(); i++) {
                try {
                    JsonPath.parse(jsonPaths.get(i));
                } catch (IllegalArgumentException e) {
                    errors.add("store.redact.jsonPaths[" + i + "]: " + e.getMessage());
                }
            }
            return new StoreConfig.Redaction(strings("store.redact.headers", n.path("headers")), jsonPaths,
                    strings("store.redact.queryParams", n.path("queryParams")));
        }

        ComparisonConfig comparison(JsonNode n) {
            ComparisonConfig d = ComparisonConfig.defaults();
            if (n.isMissingNode() || !object("comparison", n, COMPARISON_KEYS)) {
                return d;
            }
            List<String> patterns = strings("comparison.endpointIdPatterns", n.path("endpointIdPatterns"));
            for (int i = 0; i < patterns.size(); i++) {
                try {
                    Pattern.compile(patterns.get(i));
                } catch (IllegalArgumentException e) {
                    errors.add("comparison.endpointIdPatterns[" + i + "]: '" + patterns.get(i)
                            + "' is not a valid regular expression ("
                            + e.getMessage().lines().findFirst().orElse("") + ")");
                }
            }
            double ratio = decimal("comparison.noiseRatio", n.path("noiseRatio"), d.noiseRatio(), 0, 1);
            if (ratio == 0) {
                errors.add("comparison.noiseRatio: 0 (expected: > 0 and <= 1)");
                ratio = d.noiseRatio();
            }
            return new ComparisonConfig(patterns, ratio,
                    integer("comparison.noiseMinSamples", n.path("noiseMinSamples"), d.noiseMinSamples(), 1,
                            1_000_000),
                    integer("comparison.noiseMaxPaths", n.path("noiseMaxPaths"), d.noiseMaxPaths(), 1, 10_000_000));
        }

        ShadowingConfig shadowing(JsonNode n) {
            ShadowingConfig d = ShadowingConfig.defaults();
            if (n.isMissingNode() || !object("shadowing", n, SHADOWING_KEYS)) {
                return d;
            }
            return new ShadowingConfig(
                    integer("shadowing.ioThreads", n.path("ioThreads"), d.ioThreads(), 1, 256),
                    integer("shadowing.compareThreads", n.path("compareThreads"), d.compareThreads(), 1, 256),
                    integer("shadowing.compareQueue", n.path("compareQueue"), d.compareQueue(), 1, 1_000_000),
                    size("shadowing.comparePendingBytes", n.path("comparePendingBytes"), d.comparePendingBytes(), 1,
                            1L << 40),
                    backgroundCpu(n.path("backgroundCpu"), d.backgroundCpu()));
        }

        BackgroundCpu backgroundCpu(JsonNode n, BackgroundCpu d) {
            String name = string("shadowing.backgroundCpu", n, d.configName());
            if (!BackgroundCpu.configNames().contains(name)) {
                errors.add("shadowing.backgroundCpu: '" + name + "' (expected: one of " + BackgroundCpu.configNames()
                        + ")");
                return d;
            }
            return BackgroundCpu.valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }

        ListenConfig listen(JsonNode n) {
            ListenConfig d = ListenConfig.defaults();
            if (n.isMissingNode()) {
                return d;
            }
            if (!object("listen", n, LISTEN_KEYS)) {
                return d;
            }
            String transport = string("listen.transport", n.path("transport"), d.transport());
            if (!TRANSPORTS.contains(transport)) {
                errors.add("listen.transport: '" + transport + "' (expected: one of " + TRANSPORTS + ")");
            }
            String requestDecoder = string("listen.requestDecoder", n.path("requestDecoder"), d.requestDecoder());
            if (!DECODERS.contains(requestDecoder)) {
                errors.add("listen.requestDecoder: '" + requestDecoder + "' (expected: one of " + DECODERS
                        + ")");
            }
            return new ListenConfig(
                    string("listen.host", n.path("host"), d.host()),
                    integer("listen.port", n.path("port"), d.port(), 0, 65535),
                    transport,
                    integer("listen.ioThreads", n.path("ioThreads"), d.ioThreads(), 0, 1024),
                    (int) size("listen.maxInitialLineBytes", n.path("maxInitialLineBytes"), d.maxInitialLineBytes(),
                            256, 1 << 20),
                    (int) size("listen.maxHeaderBytes", n.path("maxHeaderBytes"), d.maxHeaderBytes(), 1024, 1 << 20),
                    (int) size("listen.maxRequestBodyBytes", n.path("maxRequestBodyBytes"), d.maxRequestBodyBytes(),
                            0, MAX_BODY_LIMIT),
                    duration("listen.requestHeaderTimeout", n.path("requestHeaderTimeout"), d.requestHeaderTimeout()),
                    duration("listen.idleTimeout", n.path("idleTimeout"), d.idleTimeout()),
                    duration("listen.drainTimeout", n.path("drainTimeout"), d.drainTimeout()),
                    requestDecoder);
        }

        Map<String, UpstreamConfig> upstreams(JsonNode n) {
            Map<String, UpstreamConfig> out = new LinkedHashMap<>();
            if (n.isMissingNode()) {
                errors.add("upstreams: missing (expected: a map of upstream id to { url: http://host:port })");
                return out;
            }
            if (!n.isObject() || n.isEmpty()) {
                errors.add("upstreams: " + describe(n) + " (expected: a map of upstream id to { url: ... })");
                return out;
            }
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String id = e.getKey();
                String path = "upstreams." + id;
                if (!ID.matcher(id).matches()) {
                    errors.add(path + ": bad id '" + id + "' (expected: letters, digits, '-', '_' or '.')");
                }
                JsonNode u = e.getValue();
                if (!object(path, u, UPSTREAM_KEYS)) {
                    continue;
                }
                UpstreamConfig upstream = upstream(id, path, u);
                if (upstream != null) {
                    out.put(id, upstream);
                }
            }
            return out;
        }

        UpstreamConfig upstream(String id, String path, JsonNode u) {
            Duration connect = duration(path + ".connectTimeout", u.path("connectTimeout"),
                    UpstreamConfig.DEFAULT_CONNECT_TIMEOUT);
            Duration response = duration(path + ".responseTimeout", u.path("responseTimeout"),
                    UpstreamConfig.DEFAULT_RESPONSE_TIMEOUT);
            int maxConnections = integer(path + ".maxConnections", u.path("maxConnections"),
                    UpstreamConfig.DEFAULT_MAX_CONNECTIONS, 1, 1_000_000);
            Duration idle = duration(path + ".idleTimeout", u.path("idleTimeout"), UpstreamConfig.DEFAULT_IDLE_TIMEOUT);
            String responseDecoder = string(path + ".responseDecoder", u.path("responseDecoder"),
                    UpstreamConfig.DEFAULT_RESPONSE_DECODER);
            if (!DECODERS.contains(responseDecoder)) {
                errors.add(path + ".responseDecoder: '" + responseDecoder + "' (expected: one of " + DECODERS + ")");
            }
            String url = string(path + ".url", u.path("url"), null);
            if (url == null) {
                if (u.path("url").isMissingNode()) {
                    errors.add(path + ".url: missing (expected: http://host:port)");
                }
                return null;
            }
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException ex) {
                errors.add(path + ".url: '" + url + "' is not a URL (expected: http://host:port)");
                return null;
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                errors.add(path + ".url: '" + url + "' (expected: http://host:port; https upstreams are not "
                        + "supported yet)");
                return null;
            }
            if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !"/".equals(uri.getRawPath())
                    || uri.getRawQuery() != null) {
                errors.add(path + ".url: '" + url + "' has a path or query (expected: http://host:port; the "
                        + "request path is sent unchanged)");
                return null;
            }
            int port = uri.getPort() < 0 ? 80 : uri.getPort();
            String hostHeader = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                    : uri.getHost();
            return new UpstreamConfig(id, host, port, hostHeader, connect, response, maxConnections, idle,
                    responseDecoder);
        }

        List<RouteConfig> routes(JsonNode n, Set<String> upstreamIds) {
            List<RouteConfig> out = new ArrayList<>();
            if (n.isMissingNode()) {
                errors.add("routes: missing (expected: a list of routes with id, match and legacy)");
                return out;
            }
            if (!n.isArray() || n.isEmpty()) {
                errors.add("routes: " + describe(n) + " (expected: a list of routes with id, match and legacy)");
                return out;
            }
            Map<String, Integer> seen = new LinkedHashMap<>();
            for (int i = 0; i < n.size(); i++) {
                String path = "routes[" + i + "]";
                JsonNode r = n.get(i);
                if (!object(path, r, ROUTE_KEYS)) {
                    continue;
                }
                String id = string(path + ".id", r.path("id"), null);
                if (r.path("id").isBoolean()) {
                    // YAML 1.1 reads on, off, yes, no, true and false unquoted as booleans: `id: on` would be "true".
                    errors.add(path + ".id: a boolean (YAML reads on, off, yes, no, true and false unquoted as "
                            + "booleans; quote the id, e.g. id: \"on\")");
                    id = null;
                } else if (id == null) {
                    if (r.path("id").isMissingNode()) {
                        errors.add(path + ".id: missing (expected: a unique route id)");
                    }
                } else if (!ID.matcher(id).matches()) {
                    errors.add(path + ".id: '" + id + "' (expected: letters, digits, '-', '_' or '.')");
                } else if (seen.containsKey(id)) {
                    errors.add(path + ".id: duplicate '" + id + "' (already used by routes[" + seen.get(id) + "])");
                } else {
                    seen.put(id, i);
                }
                RouteConfig route = route(path, id, r, upstreamIds);
                if (route != null) {
                    out.add(route);
                }
            }
            return out;
        }

        RouteConfig route(String path, String id, JsonNode r, Set<String> upstreamIds) {
            JsonNode match = r.path("match");
            String prefix = null;
            Set<String> methods = Set.of();
            Optional<String> host = Optional.empty();
            if (match.isMissingNode()) {
                errors.add(path + ".match: missing (expected: { pathPrefix: /something })");
            } else if (object(path + ".match", match, MATCH_KEYS)) {
                prefix = string(path + ".match.pathPrefix", match.path("pathPrefix"), null);
                if (prefix == null) {
                    if (match.path("pathPrefix").isMissingNode()) {
                        errors.add(path + ".match.pathPrefix: missing (expected: a path starting with '/')");
                    }
                } else if (!prefix.startsWith("/")) {
                    errors.add(path + ".match.pathPrefix: '" + prefix + "' (expected: a path starting with '/')");
                }
                methods = methods(path + ".match.methods", match.path("methods"));
                String h = string(path + ".match.host", match.path("host"), null);
                host = Optional.ofNullable(h).map(v -> v.toLowerCase(Locale.ROOT));
            }
            String legacy = upstreamRef(path + ".legacy", r.path("legacy"), upstreamIds, true);
            String candidate = upstreamRef(path + ".candidate", r.path("candidate"), upstreamIds, false);
            RouteMode mode = mode(path + ".mode", r.path("mode"));
            boolean preserveHost = bool(path + ".preserveHost", r.path("preserveHost"), false);
            boolean servedBy = bool(path + ".servedByHeader", r.path("servedByHeader"), true);
            ShadowPolicy shadow = shadowPolicy(path + ".shadow", r.path("shadow"));
            CircuitBreakerPolicy breaker = breaker(path + ".circuitBreaker", r.path("circuitBreaker"));
            CompareRules compare = compare(path + ".compare", r.path("compare"), shadow.maxBodyBytes());
            shadow = shadow.withLegacySecondary(secondary(path + ".compare.noise", r.path("compare").path("noise")));
            PilotConfig pilot = pilot(path + ".pilot", r.path("pilot"));
            boolean fallbackOn5xx = bool(path + ".fallbackOn5xx", r.path("fallbackOn5xx"), false);
            RecordPolicy record = record(path + ".record", r.path("record"));
            boolean whenUnavailable = bool(path + ".recordWhenCandidateUnavailable",
                    r.path("recordWhenCandidateUnavailable"), false);
            if (whenUnavailable && r.path("candidate").isMissingNode()) {
                errors.add(path + ".recordWhenCandidateUnavailable: the route has no candidate (expected: "
                        + path + ".candidate, or remove the key)");
            }
            record = new RecordPolicy(record.enabled(), record.sampleRate(), record.maxBytes(), record.rotateBytes(),
                    record.maxFiles(), record.dir(), whenUnavailable);
            if (mode == RouteMode.PILOT && pilot.userFrom().isEmpty() && pilot.header().isEmpty()) {
                errors.add(path + ".pilot: mode 'pilot' needs a way to recognise pilots (expected: pilot.userFrom "
                        + "such as header:X-User-Id, or pilot.header such as X-Pilot)");
            }
            if (mode != null && mode.needsCandidate() && candidate == null && r.path("candidate").isMissingNode()) {
                errors.add(path + ".mode: '" + mode.configName() + "' needs a candidate (expected: " + path
                        + ".candidate set to one of " + upstreamIds + ")");
                return null;
            }
            if (id == null || prefix == null || legacy == null || mode == null || compare == null) {
                return null;
            }
            return new RouteConfig(id, prefix, methods, host, legacy, Optional.ofNullable(candidate), mode,
                    preserveHost, servedBy, shadow, breaker, compare, pilot, fallbackOn5xx, record);
        }

        RecordPolicy record(String path, JsonNode n) {
            RecordPolicy d = RecordPolicy.off();
            if (n.isMissingNode() || !object(path, n, RECORD_KEYS)) {
                return d;
            }
            String dir = string(path + ".dir", n.path("dir"), d.dir().toString());
            return new RecordPolicy(bool(path + ".enabled", n.path("enabled"), true),
                    decimal(path + ".sampleRate", n.path("sampleRate"), d.sampleRate(), 0, 1),
                    size(path + ".maxBytes", n.path("maxBytes"), d.maxBytes(), 0, 1L << 30),
                    size(path + ".rotate", n.path("rotate"), d.rotateBytes(), 1024, 16L << 30),
                    integer(path + ".maxFiles", n.path("maxFiles"), d.maxFiles(), 1, 100_000),
                    java.nio.file.Path.of(dir == null || dir.isBlank() ? d.dir().toString() : dir), false);
        }

        PilotConfig pilot(String path, JsonNode n) {
            PilotConfig d = PilotConfig.none();
            if (n.isMissingNode() || !object(path, n, PILOT_KEYS)) {
                return d;
            }
            Optional<io.strangler.toggles.UserSource> userFrom = Optional.empty();
            String from = string(path + ".userFrom", n.path("userFrom"), null);
            if (from != null) {
                try {
                    userFrom = Optional.of(io.strangler.toggles.UserSource.parse(from));
                } catch (IllegalArgumentException e) {
                    errors.add(path + ".userFrom: " + e.getMessage());
                }
            }
            return new PilotConfig(userFrom, new LinkedHashSet<>(strings(path + ".users", n.path("users"))),
                    decimal(path + ".percentage", n.path("percentage"), 0, 0, 100),
                    Optional.ofNullable(string(path + ".header", n.path("header"), null)),
                    string(path + ".headerValue", n.path("headerValue"), d.headerValue()));
        }

        ShadowPolicy shadowPolicy(String path, JsonNode n) {
            ShadowPolicy d = ShadowPolicy.defaults();
            if (n.isMissingNode() || !object(path, n, SHADOW_KEYS)) {
                return d;
            }
            Set<String> methods = n.path("methods").isMissingNode() ? d.methods()
                    : methods(path + ".methods", n.path("methods"));
            Optional<Duration> timeout = n.path("timeout").isMissingNode() ? Optional.empty()
                    : Optional.of(duration(path + ".timeout", n.path("timeout"), Duration.ofSeconds(1)));
            return new ShadowPolicy(
                    decimal(path + ".sampleRate", n.path("sampleRate"), d.sampleRate(), 0, 1),
                    methods,
                    (int) size(path + ".maxBodyBytes", n.path("maxBodyBytes"), d.maxBodyBytes(), 0, MAX_BODY_LIMIT),
                    integer(path + ".maxConcurrent", n.path("maxConcurrent"), d.maxConcurrent(), 1, 100_000),
                    timeout, false);
        }

        CircuitBreakerPolicy breaker(String path, JsonNode n) {
            CircuitBreakerPolicy d = CircuitBreakerPolicy.defaults();
            if (n.isMissingNode() || !object(path, n, BREAKER_KEYS)) {
                return d;
            }
            int window = integer(path + ".slidingWindowSize", n.path("slidingWindowSize"), d.slidingWindowSize(), 1,
                    100_000);
            int minimum = integer(path + ".minimumCalls", n.path("minimumCalls"), d.minimumCalls(), 1, 100_000);
            if (minimum > window) {
                errors.add(path + ".minimumCalls: " + minimum + " (expected: <= slidingWindowSize, " + window + ")");
                minimum = window;
            }
            return new CircuitBreakerPolicy(
                    (float) decimal(path + ".failureRateThreshold", n.path("failureRateThreshold"),
                            d.failureRateThreshold(), 1, 100),
                    duration(path + ".slowCallThreshold", n.path("slowCallThreshold"), d.slowCallThreshold()),
                    (float) decimal(path + ".slowCallRateThreshold", n.path("slowCallRateThreshold"),
                            d.slowCallRateThreshold(), 1, 100),
                    duration(path + ".waitInOpenState", n.path("waitInOpenState"), d.waitInOpenState()),
                    window,
                    minimum,
                    integer(path + ".halfOpenCalls", n.path("halfOpenCalls"), d.halfOpenCalls(), 1, 10_000));
        }

        /** The route's comparison rules, or null after recording errors. */
        CompareRules compare(String path, JsonNode n, int maxBodyBytes) {
            CompareRules.Builder b = CompareRules.builder().maxBodyBytes(Math.max(1, maxBodyBytes));
            if (n.isMissingNode()) {
                return b.build();
            }
            if (!object(path, n, COMPARE_KEYS)) {
                return null;
            }
            int before = errors.size();
            b.ignoreHeaders(strings(path + ".ignoreHeaders", n.path("ignoreHeaders")).toArray(String[]::new));
            List<String> ignorePaths = strings(path + ".ignorePaths", n.path("ignorePaths"));
            for (int i = 0; i < ignorePaths.size(); i++) {
                try {
                    b.ignorePaths(ignorePaths.get(i));
                } catch (IllegalArgumentException e) {
                    errors.add(path + ".ignorePaths[" + i + "]: " + e.getMessage());
                }
            }
            List<String> unordered = strings(path + ".unorderedArrays", n.path("unorderedArrays"));
            for (int i = 0; i < unordered.size(); i++) {
                try {
                    b.unorderedArrays(unordered.get(i));
                } catch (IllegalArgumentException e) {
                    errors.add(path + ".unorderedArrays[" + i + "]: " + e.getMessage());
                }
            }
            b.numericTolerance(decimal(path + ".numericTolerance", n.path("numericTolerance"), 0, 0, 0.999999));
            JsonNode norm = n.path("normalize");
            if (!norm.isMissingNode()) {
                if (!norm.isArray()) {
                    errors.add(path + ".normalize: " + describe(norm)
                            + " (expected: a list of { name, pattern, replacement })");
                } else {
                    for (int i = 0; i < norm.size(); i++) {
                        normalization(path + ".normalize[" + i + "]", norm.get(i), b);
                    }
                }
            }
            return errors.size() == before ? b.build() : null;
        }

        /** {@code compare.noise}: true when a secondary legacy call is asked for. */
        boolean secondary(String path, JsonNode n) {
            if (n.isMissingNode() || !object(path, n, NOISE_KEYS)) {
                return false;
            }
            String v = string(path + ".secondary", n.path("secondary"), "none");
            if (v.equals("legacy")) {
                return true;
            }
            if (!v.equals("none")) {
                errors.add(path + ".secondary: '" + v + "' (expected: legacy or none)");
            }
            return false;
        }

        void normalization(String path, JsonNode n, CompareRules.Builder b) {
            if (!object(path, n, NORMALIZE_KEYS)) {
                return;
            }
            String name = string(path + ".name", n.path("name"), null);
            String pattern = string(path + ".pattern", n.path("pattern"), null);
            String replacement = string(path + ".replacement", n.path("replacement"), "");
            if (name == null || pattern == null) {
                errors.add(path + ": needs name and pattern (expected: { name: uuid, pattern: '[0-9a-f-]{36}', "
                        + "replacement: '<uuid>' })");
                return;
            }
            try {
                b.normalize(name, pattern, replacement);
            } catch (IllegalArgumentException e) {
                errors.add(path + ".pattern: '" + pattern + "' is not a valid regular expression ("
                        + e.getMessage().lines().findFirst().orElse("") + ")");
            }
        }

        List<String> strings(String path, JsonNode n) {
            if (n.isMissingNode()) {
                return List.of();
            }
            if (!n.isArray()) {
                errors.add(path + ": " + describe(n) + " (expected: a list)");
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n.size(); i++) {
                String v = string(path + "[" + i + "]", n.get(i), null);
                if (v != null) {
                    out.add(v);
                }
            }
            return out;
        }

        double decimal(String path, JsonNode n, double dflt, double min, double max) {
            String v = string(path, n, null);
            if (v == null) {
                return dflt;
            }
            try {
                double d = Double.parseDouble(v.trim());
                if (!(d >= min && d <= max)) {
                    errors.add(path + ": " + v.trim() + " (expected: >= " + fmt(min) + " and <= " + fmt(max) + ")");
                    return dflt;
                }
                return d;
            } catch (NumberFormatException e) {
                errors.add(path + ": '" + v + "' (expected: a number >= " + fmt(min) + " and <= " + fmt(max) + ")");
                return dflt;
            }
        }

        private static String fmt(double d) {
            return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
        }

        Set<String> methods(String path, JsonNode n) {
            if (n.isMissingNode()) {
                return Set.of();
            }
            if (!n.isArray()) {
                errors.add(path + ": " + describe(n) + " (expected: a list such as [GET, POST])");
                return Set.of();
            }
            Set<String> out = new LinkedHashSet<>();
            for (int i = 0; i < n.size(); i++) {
                String m = string(path + "[" + i + "]", n.get(i), null);
                if (m == null) {
                    continue;
                }
                String upper = m.toUpperCase(Locale.ROOT);
                if (!METHOD.matcher(upper).matches()) {
                    errors.add(path + "[" + i + "]: '" + m + "' (expected: an HTTP method such as GET)");
                } else {
                    out.add(upper);
                }
            }
            return out;
        }

        RouteMode mode(String path, JsonNode n) {
            String v = string(path, n, RouteMode.LEGACY.configName());
            if (v == null) {
                return null;
            }
            for (RouteMode m : RouteMode.values()) {
                if (m.configName().equals(v)) {
                    return m;
                }
            }
            errors.add(path + ": '" + v + "' (expected: one of legacy, shadow, pilot, candidate)");
            return null;
        }

        String upstreamRef(String path, JsonNode n, Set<String> upstreamIds, boolean required) {
            String v = string(path, n, null);
            if (v == null) {
                if (required && n.isMissingNode()) {
                    errors.add(path + ": missing (expected: one of " + upstreamIds + ")");
                }
                return null;
            }
            if (!upstreamIds.contains(v)) {
                errors.add(path + ": '" + v + "' (expected: one of " + upstreamIds + ")");
                return null;
            }
            return v;
        }

        boolean object(String path, JsonNode n, Set<String> allowed) {
            String where = path.isEmpty() ? "config" : path;
            if (!n.isObject()) {
                errors.add(where + ": " + describe(n) + " (expected: a map)");
                return false;
            }
            Iterator<String> names = n.fieldNames();
            while (names.hasNext()) {
                String k = names.next();
                if (!allowed.contains(k)) {
                    errors.add((path.isEmpty() ? k : path + "." + k) + ": unknown key (expected: one of "
                            + new TreeSet<>(allowed) + ")");
                }
            }
            return true;
        }

        /**
         * A scalar as text, with env placeholders expanded; {@code dflt} when missing or after an error (which is
         * recorded). Callers that need a value check {@code isMissingNode()} to report it as missing.
         */
        String string(String path, JsonNode n, String dflt) {
            if (n.isMissingNode() || n.isNull()) {
                return dflt;
            }
            if (!n.isValueNode()) {
                errors.add(path + ": " + describe(n) + " (expected: a single value)");
                return dflt;
            }
            try {
                return env.expand(n.asText());
            } catch (IllegalArgumentException e) {
                errors.add(path + ": " + e.getMessage());
                return dflt;
            }
        }

        int integer(String path, JsonNode n, int dflt, int min, int max) {
            String v = string(path, n, null);
            if (v == null) {
                return dflt;
            }
            try {
                int i = Integer.parseInt(v.trim());
                if (i < min || i > max) {
                    errors.add(path + ": " + i + " (expected: >= " + min + " and <= " + max + ")");
                    return dflt;
                }
                return i;
            } catch (NumberFormatException e) {
                errors.add(path + ": '" + v + "' (expected: a whole number >= " + min + " and <= " + max + ")");
                return dflt;
            }
        }

        boolean bool(String path, JsonNode n, boolean dflt) {
            String v = string(path, n, null);
            if (v == null) {
                return dflt;
            }
            return switch (v.trim().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> {
                    errors.add(path + ": '" + v + "' (expected: true or false)");
                    yield dflt;
                }
            };
        }

        Duration duration(String path, JsonNode n, Duration dflt) {
            String v = string(path, n, null);
            if (v == null) {
                return dflt;
            }
            try {
                Duration d = Quantities.parseDuration(v);
                if (d.isZero()) {
                    errors.add(path + ": '" + v + "' (expected: a duration > 0)");
                    return dflt;
                }
                return d;
            } catch (IllegalArgumentException e) {
                errors.add(path + ": '" + v + "' (" + e.getMessage() + ")");
                return dflt;
            }
        }

        long size(String path, JsonNode n, long dflt, long min, long max) {
            String v = string(path, n, null);
            if (v == null) {
                return dflt;
            }
            try {
                long s = Quantities.parseSize(v);
                if (s < min || s > max) {
                    errors.add(path + ": '" + v + "' = " + s + " bytes (expected: >= " + min + " and <= " + max
                            + " bytes)");
                    return dflt;
                }
                return s;
            } catch (IllegalArgumentException e) {
                errors.add(path + ": '" + v + "' (" + e.getMessage() + ")");
                return dflt;
            }
        }

        String describe(JsonNode n) {
            if (n == null || n instanceof MissingNode) {
                return "missing";
            }
            if (n.isObject()) {
                return n.isEmpty() ? "an empty map" : "a map";
            }
            if (n.isArray()) {
                return n.isEmpty() ? "an empty list" : "a list";
            }
            if (n.isNull()) {
                return "empty";
            }
            return "'" + n.asText() + "'";
        }
    }
}
