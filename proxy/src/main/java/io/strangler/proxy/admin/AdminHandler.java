package io.strangler.proxy.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import io.strangler.proxy.config.AdminConfig;
import io.strangler.proxy.config.Quantities;
import io.strangler.proxy.report.Report;
import io.strangler.proxy.report.ReportBuilder;
import io.strangler.proxy.report.ReportRenderer;
import io.strangler.proxy.toggle.AuditLog;
import io.strangler.proxy.toggle.ToggleService;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers admin requests. Health is answered on the admin event loop; everything that reads the store or renders
 * runs on the admin workers, and the answer is written back from there (Netty hands the write to the loop).
 *
 * <p>One instance per connection; confined to the admin event loop except for the worker tasks it starts.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final String JSON = "application/json; charset=utf-8";
    private static final Duration DEFAULT_SINCE = Duration.ofHours(24);
    private static final int MAX_GROUPS = 1_000;

    /** Sent with every dashboard file: only our own scripts and styles run, nothing may frame the page. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final AdminApi api;
    private final Tokens tokens;
    private final Executor workers;
    private final LiveFeed live;
    private final StaticAssets assets;
    private final ObjectMapper json = new ObjectMapper().registerModule(new Jdk8Module())
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** The configured tokens, compared in constant time (digests of equal length, every token checked). */
    static final class Tokens {
        private final List<AdminConfig.Token> tokens;
        private final List<byte[]> digests = new ArrayList<>();

        Tokens(List<AdminConfig.Token> tokens) {
            this.tokens = List.copyOf(tokens);
            for (AdminConfig.Token t : tokens) {
                digests.add(sha256(t.token()));
            }
        }

        Optional<AdminConfig.Token> match(String presented) {
            byte[] d = sha256(presented);
            AdminConfig.Token found = null;
            for (int i = 0; i < tokens.size(); i++) {
                if (MessageDigest.isEqual(d, digests.get(i)) && found == null) {
                    found = tokens.get(i);
                }
            }
            return Optional.ofNullable(found);
        }

        boolean none() {
            return tokens.isEmpty();
        }

        private static byte[] sha256(String s) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    AdminHandler(AdminApi api, Tokens tokens, Executor workers, LiveFeed live, StaticAssets assets) {
        this.api = api;
        this.tokens = tokens;
        this.workers = workers;
        this.live = live;
        this.assets = assets;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (req.decoderResult().isFailure()) {
            boolean tooLong = req.decoderResult().cause() instanceof TooLongFrameException;
            send(ctx, false, error(tooLong ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST, tooLong ? "body_too_large" : "malformed_request",
                    tooLong ? "the request body is larger than " + AdminServer.MAX_BODY_BYTES + " bytes"
                            : "the request is not valid HTTP/1.1"));
            return;
        }
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        String path = q.path();
        if (path.equals("/health")) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "up");
            body.put("store", api.store().map(s -> s.reachable() ? "reachable" : "unreachable").orElse("none"));
            send(ctx, keepAlive, json(HttpResponseStatus.OK, body));
            return;
        }
        if (path.equals("/metrics")) {
            offload(ctx, keepAlive, () -> text(HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8",
                    api.registry().scrape()));
            return;
        }
        if (path.equals("/") || path.equals("/dashboard")) {
            FullHttpResponse res = text(HttpResponseStatus.FOUND, "text/plain; charset=utf-8", "see /dashboard/\n");
            res.headers().set(HttpHeaderNames.LOCATION, "/dashboard/");
            send(ctx, keepAlive, res);
            return;
        }
        if (path.startsWith("/dashboard/")) {
            send(ctx, keepAlive, asset(req, path.substring("/dashboard/".length())));
            return;
        }
        if (!path.startsWith("/api/")) {
            send(ctx, keepAlive, error(HttpResponseStatus.NOT_FOUND, "not_found", "no such admin path: " + path));
            return;
        }
        HttpMethod method = req.method();
        boolean write = !method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD);
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (write && origin != null && !sameOrigin(origin, req.headers().get(HttpHeaderNames.HOST))) {
            // A page elsewhere cannot read our token, but refuse its writes outright, token or not (no CORS).
            send(ctx, keepAlive, error(HttpResponseStatus.FORBIDDEN, "cross_origin", "writes from another origin ("
                    + origin + ") are refused; use the dashboard served by this admin listener, or the API "
                    + "without an Origin header"));
            return;
        }
        Optional<AdminConfig.Token> caller = authenticate(req);
        if (caller.isEmpty()) {
            FullHttpResponse res = error(HttpResponseStatus.UNAUTHORIZED, "unauthorized", tokens.none()
                    ? "no admin tokens are configured (admin.tokens), so the API is closed"
                    : "send Authorization: Bearer <token> with a token from admin.tokens");
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"strangler\"");
            send(ctx, keepAlive, res);
            return;
        }
        Map<String, List<String>> params = q.parameters();
        if (write && caller.get().readOnly()) {
            send(ctx, keepAlive, error(HttpResponseStatus.FORBIDDEN, "forbidden", "the token '"
                    + caller.get().name() + "' is read-only"));
            return;
        }
        String actor = caller.get().name();
        String source = "cli".equals(req.headers().get("X-Strangler-Source")) ? "cli" : "api";
        if (path.equals("/api/whoami") && !write) {
            Map<String, Object> me = new LinkedHashMap<>();
            me.put("name", caller.get().name());
            me.put("readOnly", caller.get().readOnly());
            send(ctx, keepAlive, json(HttpResponseStatus.OK, me));
        } else if (path.equals("/api/events") && !write) {
            events(ctx);
        } else if (path.equals("/api/overview") && !write) {
            String o = live.overview();
            send(ctx, keepAlive, o == null ? error(HttpResponseStatus.SERVICE_UNAVAILABLE, "starting",
                    "the first sample is taken within a second of start; try again")
                    : text(HttpResponseStatus.OK, JSON, o + "\n"));
        } else if (path.equals("/api/latency") && !write) {
            String route = param(params, "route");
            if (route != null && api.routes().stream().noneMatch(r -> r.route().equals(route))) {
                send(ctx, keepAlive, error(HttpResponseStatus.NOT_FOUND, "not_found", "no route '" + route + "'"));
            } else {
                offload(ctx, keepAlive, () -> latency(route));
            }
        } else if (path.equals("/api/routes") && !write) {
            offload(ctx, keepAlive, () -> json(HttpResponseStatus.OK, routes()));
        } else if (path.equals("/api/toggles") && !write) {
            send(ctx, keepAlive, json(HttpResponseStatus.OK, api.toggles().describe()));
        } else if (path.startsWith("/api/toggles/") && path.endsWith("/record")
                && path.length() > "/api/toggles//record".length() && method.equals(HttpMethod.PUT)) {
            String route = path.substring("/api/toggles/".length(), path.length() - "/record".length());
            byte[] body = bytes(req);
            offload(ctx, keepAlive, () -> setRecording(actor, source, route, body));
        } else if (path.startsWith("/api/toggles/") && !path.equals("/api/toggles/revert") && method.equals(
                HttpMethod.PUT)) {
            String route = path.substring("/api/toggles/".length());
            byte[] body = bytes(req);
            offload(ctx, keepAlive, () -> setToggle(actor, source, route, body));
        } else if (path.equals("/api/toggles/revert") && method.equals(HttpMethod.POST)) {
            byte[] body = bytes(req);
            offload(ctx, keepAlive, () -> revert(actor, source, body));
        } else if (path.equals("/api/kill-switch") && method.equals(HttpMethod.POST)) {
            byte[] body = bytes(req);
            offload(ctx, keepAlive, () -> killSwitch(actor, source, body));
        } else if (path.equals("/api/audit") && !write) {
            offload(ctx, keepAlive, () -> audit(params));
        } else if (path.equals("/api/report") && !write) {
            offload(ctx, keepAlive, () -> report(params));
        } else if (path.equals("/api/divergences") && !write) {
            offload(ctx, keepAlive, () -> divergences(params));
        } else if (path.startsWith("/api/divergences/") && !write) {
            String id = path.substring("/api/divergences/".length());
            offload(ctx, keepAlive, () -> sample(id));
        } else if (KNOWN.stream().anyMatch(path::startsWith)) {
            send(ctx, keepAlive, error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    method + " is not allowed on " + path));
        } else {
            send(ctx, keepAlive, error(HttpResponseStatus.NOT_FOUND, "not_found", "no such admin path: " + path));
        }
    }

    private static final List<String> KNOWN = List.of("/api/whoami", "/api/events", "/api/overview",
            "/api/latency", "/api/routes", "/api/toggles", "/api/kill-switch", "/api/audit",
            "/api/report", "/api/divergences");

    /** Every route with its mode and live counters since start, read from the meters. */
    private Map<String, Object> routes() {
        var registry = api.registry();
        List<Map<String, Object>> out = new ArrayList<>();
        api.toggles().toggles().states().forEach((route, state) -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("route", route);
            r.put("mode", state.mode().configName());
            long served = 0;
            for (var t : registry.find("strangler.requests").tag("route", route).timers()) {
                served += t.count();
            }
            r.put("served", served);
            Map<String, Long> outcomes = new java.util.TreeMap<>();
            for (var c : registry.find("strangler.shadow.outcomes").tag("route", route).counters()) {
                outcomes.merge(c.getId().getTag("outcome"), (long) c.count(), Long::sum);
            }
            long matched = outcomes.getOrDefault("matched", 0L);
            long diverged = outcomes.getOrDefault("diverged", 0L);
            r.put("outcomes", outcomes);
            r.put("matchRate", matched + diverged == 0 ? null : (double) matched / (matched + diverged));
            String breaker = "none";
            for (var g : registry.find("resilience4j.circuitbreaker.state").tag("name", route).gauges()) {
                if (g.value() == 1) {
                    breaker = g.getId().getTag("state");
                }
            }
            r.put("circuit", breaker);
            var inflight = registry.find("strangler.shadow.inflight").tag("route", route).gauge();
            r.put("shadowInFlight", inflight == null ? 0 : (long) inflight.value());
            out.add(r);
        });
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("killSwitch", api.toggles().toggles().killSwitch());
        body.put("routes", out);
        return body;
    }

    /** Both origins as scheme://host[:port]; the admin listener speaks plain HTTP. */
    private static boolean sameOrigin(String origin, String host) {
        return host != null && origin.equalsIgnoreCase("http://" + host);
    }

    private FullHttpResponse asset(FullHttpRequest req, String name) {
        if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
            return error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", req.method()
                    + " is not allowed on the dashboard's files");
        }
        Optional<StaticAssets.Asset> a = assets.get(name.isEmpty() ? "index.html" : name);
        if (a.isEmpty()) {
            return error(HttpResponseStatus.NOT_FOUND, "not_found", "no dashboard file " + name);
        }
        StaticAssets.Asset asset = a.get();
        boolean fresh = asset.etag().equals(req.headers().get(HttpHeaderNames.IF_NONE_MATCH));
        byte[] body = fresh || req.method().equals(HttpMethod.HEAD) ? new byte[0] : asset.bytes();
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                fresh ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, asset.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, fresh ? 0 : asset.bytes().length)
                .set(HttpHeaderNames.ETAG, asset.etag())
                // Revalidate every time: after an upgrade the page and its scripts must not mix versions.
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .set("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .set("X-Content-Type-Options", "nosniff")
                .set("X-Frame-Options", "DENY")
                .set("Referrer-Policy", "no-referrer");
        return res;
    }

    /** Turns this connection into a server-sent event stream fed by {@link LiveFeed}. */
    private void events(ChannelHandlerContext ctx) {
        if (live.subscribers() >= LiveFeed.MAX_SUBSCRIBERS) {
            send(ctx, false, error(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy", "too many live dashboards ("
                    + LiveFeed.MAX_SUBSCRIBERS + ") are open on this instance"));
            return;
        }
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff");
        HttpUtil.setTransferEncodingChunked(head, true);
        ctx.writeAndFlush(head);
        if (!live.subscribe(ctx.channel())) {
            ctx.close();
        }
    }

    private FullHttpResponse latency(String route) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("stepSeconds", LiveFeed.HISTORY_STEP_SECONDS);
        Map<String, List<Map<String, Object>>> all = live.history();
        Map<String, Object> routes = new LinkedHashMap<>();
        for (AdminApi.RouteSides r : api.routes()) {
            if (route == null || route.equals(r.route())) {
                routes.put(r.route(), all.getOrDefault(r.route(), List.of()));
            }
        }
        body.put("routes", routes);
        return json(HttpResponseStatus.OK, body);
    }

    private static byte[] bytes(FullHttpRequest req) {
        byte[] b = new byte[req.content().readableBytes()];
        req.content().getBytes(req.content().readerIndex(), b);
        return b;
    }

    private JsonNode body(byte[] bytes) throws BadRequest {
        if (bytes.length == 0) {
            throw new BadRequest("missing JSON body");
        }
        try {
            JsonNode n = json.readTree(bytes);
            if (n == null || !n.isObject()) {
                throw new BadRequest("the body must be a JSON object");
            }
            return n;
        } catch (java.io.IOException e) {
            String msg = String.valueOf(e.getMessage());
            int nl = msg.indexOf('\n');
            throw new BadRequest("malformed JSON: " + (nl < 0 ? msg : msg.substring(0, nl)));
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private FullHttpResponse setToggle(String actor, String source, String route, byte[] bytes) throws Exception {
        JsonNode b = body(bytes);
        Optional<java.util.Set<String>> users = Optional.empty();
        if (b.has("pilotUsers")) {
            if (!b.get("pilotUsers").isArray()) {
                throw new BadRequest("pilotUsers: expected a list of user ids");
            }
            java.util.Set<String> u = new java.util.TreeSet<>();
            b.get("pilotUsers").forEach(x -> u.add(x.asText()));
            users = Optional.of(u);
        }
        Optional<Double> percentage = Optional.empty();
        if (b.has("percentage")) {
            if (!b.get("percentage").isNumber()) {
                throw new BadRequest("percentage: expected a number from 0 to 100");
            }
            percentage = Optional.of(b.get("percentage").asDouble());
        }
        Optional<java.util.Set<String>> u = users;
        Optional<Double> pct = percentage;
        return toggled(() -> api.toggles().set(actor, source, route, text(b, "mode"), u, pct, text(b, "reason")));
    }

    private FullHttpResponse setRecording(String actor, String source, String route, byte[] bytes)
            throws Exception {
        JsonNode b = body(bytes);
        if (!b.has("on") || !b.get("on").isBoolean()) {
            throw new BadRequest("on: expected true or false");
        }
        return toggled(() -> api.toggles().record(actor, source, route, b.get("on").asBoolean(), text(b, "reason")));
    }

    private FullHttpResponse killSwitch(String actor, String source, byte[] bytes) throws Exception {
        JsonNode b = body(bytes);
        if (!b.has("on") || !b.get("on").isBoolean()) {
            throw new BadRequest("on: expected true or false");
        }
        return toggled(() -> api.toggles().killSwitch(actor, source, b.get("on").asBoolean(), text(b, "reason")));
    }

    private FullHttpResponse revert(String actor, String source, byte[] bytes) throws Exception {
        JsonNode b = body(bytes);
        if (!b.has("auditId") || !b.get("auditId").canConvertToLong()) {
            throw new BadRequest("auditId: expected the id of an audit entry");
        }
        return toggled(() -> api.toggles().revert(actor, source, b.get("auditId").asLong(), text(b, "reason")));
    }

    @FunctionalInterface
    private interface Change {
        AuditLog.Entry apply() throws ToggleService.Refused, java.sql.SQLException;
    }

    private FullHttpResponse toggled(Change change) throws Exception {
        try {
            AuditLog.Entry e = change.apply();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("audit", e);
            out.put("toggles", api.toggles().describe());
            return json(HttpResponseStatus.OK, out);
        } catch (ToggleService.Refused r) {
            return error(r.notFound() ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.BAD_REQUEST,
                    r.notFound() ? "not_found" : "bad_request", r.getMessage());
        }
    }

    /** The {@code limit} parameter: 1 to {@link #MAX_GROUPS}, 100 when absent. */
    private static int limit(Map<String, List<String>> params) throws BadRequest {
        int limit;
        try {
            limit = Optional.ofNullable(param(params, "limit")).map(Integer::parseInt).orElse(100);
        } catch (NumberFormatException e) {
            throw new BadRequest("limit: '" + param(params, "limit") + "' (expected: a whole number)");
        }
        if (limit < 1 || limit > MAX_GROUPS) {
            throw new BadRequest("limit: " + limit + " (expected: 1 to " + MAX_GROUPS + ")");
        }
        return limit;
    }

    private FullHttpResponse audit(Map<String, List<String>> params) throws Exception {
        int limit = limit(params);
        return json(HttpResponseStatus.OK, Map.of("entries", api.toggles().auditLog(limit)));
    }

    private Optional<AdminConfig.Token> authenticate(FullHttpRequest req) {
        String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || tokens.none()) {
            return Optional.empty();
        }
        return tokens.match(auth.substring(7).trim());
    }

    @FunctionalInterface
    private interface Answer {
        FullHttpResponse get() throws Exception;
    }

    /** Runs {@code answer} on a worker and writes what it returns; a worker failure is a 500 with its reason. */
    private void offload(ChannelHandlerContext ctx, boolean keepAlive, Answer answer) {
        try {
            workers.execute(() -> {
                FullHttpResponse res;
                try {
                    res = answer.get();
                } catch (BadRequest e) {
                    res = error(HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
                } catch (SQLException e) {
                    res = error(HttpResponseStatus.SERVICE_UNAVAILABLE, "store_unavailable",
                            "the divergence store cannot be read: " + e.getMessage());
                } catch (Exception e) {
                    log.warn("admin request failed", e);
                    res = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error", String.valueOf(e));
                }
                send(ctx, keepAlive, res);
            });
        } catch (RejectedExecutionException e) {
            send(ctx, keepAlive, error(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy",
                    "too many admin requests at once; try again"));
        }
    }

    /** A client mistake in the query, answered with 400 and this message. */
    private static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private ReportBuilder reports() throws BadRequest {
        return api.reports().orElseThrow(() -> new BadRequest("this proxy has no divergence store"));
    }

    private static String param(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static Instant since(Map<String, List<String>> params) throws BadRequest {
        String s = param(params, "since");
        try {
            return Instant.now().minus(s == null ? DEFAULT_SINCE : Quantities.parseDuration(s));
        } catch (IllegalArgumentException e) {
            throw new BadRequest("since: '" + s + "' (" + e.getMessage() + ")");
        }
    }

    private FullHttpResponse report(Map<String, List<String>> params) throws Exception {
        String format = Optional.ofNullable(param(params, "format")).orElse("json");
        Report report = reports().build(since(params), Optional.ofNullable(param(params, "route")));
        return switch (format) {
            case "json" -> text(HttpResponseStatus.OK, JSON, ReportRenderer.json(report));
            case "md" -> text(HttpResponseStatus.OK, "text/markdown; charset=utf-8", ReportRenderer.markdown(report));
            case "html" -> text(HttpResponseStatus.OK, "text/html; charset=utf-8", ReportRenderer.html(report));
            default -> throw new BadRequest("format: '" + format + "' (expected: json, md or html)");
        };
    }

    private FullHttpResponse divergences(Map<String, List<String>> params) throws Exception {
        int limit = limit(params);
        Report report = reports().build(since(params), Optional.ofNullable(param(params, "route")));
        List<Map<String, Object>> groups = new ArrayList<>();
        long comparisons = 0;
        for (Report.RouteReport route : report.routes()) {
            comparisons += route.comparisons();
            for (Report.EndpointReport e : route.endpoints()) {
                for (Report.DifferenceReport d : e.differences()) {
                    Map<String, Object> g = new LinkedHashMap<>();
                    g.put("route", route.route());
                    g.put("endpoint", e.endpoint());
                    g.put("path", d.path());
                    g.put("kind", d.kind());
                    g.put("count", d.count());
                    g.put("rate", d.rate());
                    g.put("noise", d.suspectedNoise());
                    g.put("firstSeen", d.firstSeen());
                    g.put("lastSeen", d.lastSeen());
                    g.put("sampleId", d.sample().map(Report.Sample::id).orElse(null));
                    groups.add(g);
                }
            }
        }
        groups.sort((a, b) -> Long.compare((Long) b.get("count"), (Long) a.get("count")));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("groups", groups.subList(0, Math.min(limit, groups.size())));
        body.put("comparisons", comparisons);
        return json(HttpResponseStatus.OK, body);
    }

    private FullHttpResponse sample(String id) throws Exception {
        long n;
        try {
            n = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new BadRequest("sample id: '" + id + "' (expected: a number)");
        }
        Optional<Report.Sample> s = reports().sample(n);
        return s.isPresent() ? json(HttpResponseStatus.OK, s.get())
                : error(HttpResponseStatus.NOT_FOUND, "not_found", "no sample " + n + " (deleted by retention?)");
    }

    private FullHttpResponse json(HttpResponseStatus status, Object body) {
        try {
            return text(status, JSON, json.writeValueAsString(body) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private FullHttpResponse error(HttpResponseStatus status, String tag, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", tag);
        body.put("message", message);
        return json(status, body);
    }

    private static FullHttpResponse text(HttpResponseStatus status, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff");
        return res;
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse res) {
        if (keepAlive) {
            HttpUtil.setKeepAlive(res, true);
            ctx.writeAndFlush(res);
        } else {
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection error", cause);
        ctx.close();
    }
}
