package io.strangler.proxy.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.strangler.proxy.metrics.ProxyMeters;
import io.strangler.proxy.toggle.AuditLog;
import io.strangler.toggles.RouteState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the dashboard shows live: once a second it reads the meters and the toggles into an overview (per route:
 * mode, requests/s, match rate, outcomes, legacy and candidate p50/p99 over the last minute, circuit state), pushes
 * it to every subscribed event stream, and pushes each new audit entry (a flip on any instance, an automatic
 * rollback) as a notification. Every ten seconds it adds a point to each route's latency history (one hour).
 *
 * <p>Threading: the sampling runs on a thread of its own and the audit log is read (JDBC) on a second one, never on
 * an event loop; tick state is confined to the sampling thread, the audit cursor to the polling thread. Subscribers are added and removed from the admin event loop; writes to them are
 * handed to their loops by Netty. A subscriber that cannot keep up (channel not writable) misses ticks rather than
 * queueing them.
 */
final class LiveFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);
    static final int MAX_SUBSCRIBERS = 32;
    static final int HISTORY_STEP_SECONDS = 10;
    static final int HISTORY_POINTS = 360;
    private static final int RATE_WINDOW_TICKS = 10;
    private static final int LATENCY_WINDOW_STEPS = 6;

    private final AdminApi api;
    private final MeterRegistry registry;
    private final ScheduledExecutorService timer;
    private final Set<Channel> subscribers = ConcurrentHashMap.newKeySet();
    private final ObjectMapper json = new ObjectMapper().registerModule(new Jdk8Module());
    private final java.util.concurrent.atomic.AtomicInteger threadIds = new java.util.concurrent.atomic.AtomicInteger();

    private volatile String overview;
    private volatile Map<String, List<Map<String, Object>>> history = Map.of();

    // Confined to the sampling thread (lastAuditId: to the polling thread).
    private final Deque<Map<String, Counts>> recentCounts = new ArrayDeque<>();
    private final Deque<Map<String, Sides>> recentLatency = new ArrayDeque<>();
    private final Map<String, Deque<Map<String, Object>>> points = new LinkedHashMap<>();
    private long ticks;
    private long lastAuditId = -1;
    // Written on the admin event loop when the first watcher arrives, read by the polling thread.
    private volatile java.time.Instant watchingSince = java.time.Instant.EPOCH;

    /** Served count and outcome counts ("outcome|reason") of a route, cumulative since start. */
    private record Counts(long served, Map<String, Long> outcomes) {
        long outcome(String name) {
            long n = 0;
            for (Map.Entry<String, Long> e : outcomes.entrySet()) {
                if (e.getKey().startsWith(name + "|")) {
                    n += e.getValue();
                }
            }
            return n;
        }
    }

    /** Legacy's and the candidate's cumulative latency buckets. */
    private record Sides(LatencyWindow legacy, LatencyWindow candidate) {
    }

    LiveFeed(AdminApi api) {
        this.api = api;
        this.registry = api.registry();
        // Two threads: the audit log is read over JDBC, and a slow database must not hold back the live numbers.
        this.timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "strangler-admin-live-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        timer.scheduleAtFixedRate(this::tickSafely, 0, 1, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(this::pollAuditSafely, 0, 1, TimeUnit.SECONDS);
    }

    /** The latest overview as JSON, or null before the first tick. */
    String overview() {
        return overview;
    }

    /** Every route's latency history (oldest first), 10 s points over the last hour. */
    Map<String, List<Map<String, Object>>> history() {
        return history;
    }

    /**
     * Adds an event stream whose response head has been written; it gets the latest overview at once.
     *
     * @return false when there are {@link #MAX_SUBSCRIBERS} already
     */
    boolean subscribe(Channel channel) {
        if (subscribers.size() >= MAX_SUBSCRIBERS) {
            return false;
        }
        if (subscribers.isEmpty()) {
            // The audit polling pauses while nobody watches; changes from now on are news to this watcher.
            watchingSince = java.time.Instant.now();
        }
        subscribers.add(channel);
        channel.closeFuture().addListener(f -> subscribers.remove(channel));
        // Tell the browser how soon to reconnect, and show the page something at once.
        String first = overview;
        send(channel, "retry: 2000\n\n" + (first == null ? "" : event("overview", first)));
        return true;
    }

    int subscribers() {
        return subscribers.size();
    }

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    private static void send(Channel c, String text) {
        if (c.isActive() && c.isWritable()) {
            c.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8))));
        }
    }

    private void broadcast(String text) {
        for (Channel c : subscribers) {
            send(c, text);
        }
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.warn("dashboard sampling failed; the next tick tries again", e);
        }
    }

    private void pollAuditSafely() {
        if (subscribers.isEmpty()) {
            // Nobody is watching: no database round trip every second, and the next watcher starts from "now".
            lastAuditId = -1;
            return;
        }
        try {
            StringBuilder out = new StringBuilder();
            for (AuditLog.Entry e : newAuditEntries()) {
                out.append(event("audit", write(e)));
            }
            if (out.length() > 0) {
                broadcast(out.toString());
            }
        } catch (RuntimeException e) {
            log.warn("dashboard audit polling failed; the next poll tries again", e);
        }
    }

    private void tick() {
        ticks++;
        Map<String, Counts> counts = new LinkedHashMap<>();
        Map<String, Sides> sides = new LinkedHashMap<>();
        for (AdminApi.RouteSides r : api.routes()) {
            counts.put(r.route(), counts(r.route()));
            sides.put(r.route(), sides(r));
        }
        Map<String, Counts> tenAgo = recentCounts.isEmpty() ? null : recentCounts.peekFirst();
        int tickSpan = recentCounts.size();
        recentCounts.addLast(counts);
        while (recentCounts.size() > RATE_WINDOW_TICKS) {
            recentCounts.removeFirst();
        }
        Map<String, Sides> minuteAgo = recentLatency.isEmpty() ? null : recentLatency.peekFirst();
        if (ticks % HISTORY_STEP_SECONDS == 1 || recentLatency.isEmpty()) {
            Map<String, Sides> previous = recentLatency.peekLast();
            if (previous != null) {
                addHistoryPoint(sides, previous);
            }
            recentLatency.addLast(sides);
            while (recentLatency.size() > LATENCY_WINDOW_STEPS + 1) {
                recentLatency.removeFirst();
            }
        }

        List<Map<String, Object>> routes = new ArrayList<>();
        Map<String, RouteState> states = api.toggles().toggles().states();
        for (AdminApi.RouteSides r : api.routes()) {
            Counts now = counts.get(r.route());
            Counts before = tenAgo == null ? null : tenAgo.get(r.route());
            Sides latNow = sides.get(r.route());
            Sides latBefore = minuteAgo == null ? null : minuteAgo.get(r.route());
            routes.add(routeOverview(r, states.get(r.route()), now, before, tickSpan, latNow, latBefore));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("at", Instant.now().toString());
        body.put("killSwitch", api.toggles().toggles().killSwitch());
        body.put("stateReachable", api.toggles().toggles().reachable());
        body.put("store", api.store().map(s -> s.reachable() ? "reachable" : "unreachable").orElse("none"));
        body.put("routes", routes);
        String text = write(body);
        overview = text;
        broadcast(event("overview", text));
    }

    private Map<String, Object> routeOverview(AdminApi.RouteSides r, RouteState state, Counts now, Counts before,
            int tickSpan, Sides latNow, Sides latBefore) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("route", r.route());
        m.put("mode", state == null ? null : state.mode().configName());
        m.put("pilotUsers", state == null ? List.of() : new java.util.TreeSet<>(state.users()));
        m.put("percentage", state == null ? 0 : state.percentage());
        m.put("recording", state != null && api.toggles().toggles().recording(r.route()).on());
        m.put("hasCandidate", r.candidate().isPresent());
        m.put("requestsPerSecond", before == null || tickSpan == 0 ? 0.0
                : round((now.served() - before.served()) / (double) tickSpan));
        m.put("served", now.served());
        long matched = now.outcome("matched");
        long diverged = now.outcome("diverged");
        m.put("matched", matched);
        m.put("diverged", diverged);
        m.put("matchRate", matched + diverged == 0 ? null : round4((double) matched / (matched + diverged)));
        if (before != null) {
            long dm = matched - before.outcome("matched");
            long dd = diverged - before.outcome("diverged");
            m.put("recentMatchRate", dm + dd == 0 ? null : round4((double) dm / (dm + dd)));
        } else {
            m.put("recentMatchRate", null);
        }
        m.put("failed", byReason(now, "failed"));
        m.put("skipped", byReason(now, "skipped"));
        Sides window = latBefore == null ? latNow
                : new Sides(latNow.legacy().since(latBefore.legacy()), latNow.candidate().since(latBefore.candidate()));
        m.put("legacy", latency(window.legacy()));
        m.put("candidate", latency(window.candidate()));
        m.put("circuit", circuit(r.route(), r.candidate().isPresent()));
        Gauge inflight = registry.find(ProxyMeters.SHADOW_IN_FLIGHT.meterName()).tag("route", r.route()).gauge();
        m.put("shadowInFlight", inflight == null ? 0 : (long) inflight.value());
        return m;
    }

    private static Map<String, Long> byReason(Counts c, String outcome) {
        Map<String, Long> out = new TreeMap<>();
        c.outcomes().forEach((k, v) -> {
            if (k.startsWith(outcome + "|") && v > 0) {
                out.put(k.substring(outcome.length() + 1), v);
            }
        });
        return out;
    }

    private static Map<String, Object> latency(LatencyWindow w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", w.count());
        m.put("p50", ms(w.quantile(0.5)));
        m.put("p99", ms(w.quantile(0.99)));
        return m;
    }

    private static Double ms(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 100) / 100.0;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double round4(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    private String circuit(String route, boolean hasCandidate) {
        if (!hasCandidate) {
            return "none";
        }
        for (Gauge g : registry.find("resilience4j.circuitbreaker.state").tag("name", route).gauges()) {
            if (g.value() == 1) {
                return g.getId().getTag("state");
            }
        }
        return "closed";
    }

    private Counts counts(String route) {
        long served = 0;
        for (Timer t : registry.find(ProxyMeters.REQUESTS.meterName()).tag("route", route).timers()) {
            served += t.count();
        }
        Map<String, Long> outcomes = new TreeMap<>();
        for (Counter c : registry.find(ProxyMeters.SHADOW_OUTCOMES.meterName()).tag("route", route).counters()) {
            outcomes.merge(c.getId().getTag("outcome") + "|" + c.getId().getTag("reason"), (long) c.count(),
                    Long::sum);
        }
        return new Counts(served, outcomes);
    }

    /** Latency of each side whichever way the route is served: legacy's and the candidate's, served or shadow. */
    private Sides sides(AdminApi.RouteSides r) {
        return new Sides(LatencyWindow.of(timers(r.route(), r.legacy())),
                r.candidate().map(c -> LatencyWindow.of(timers(r.route(), c))).orElse(LatencyWindow.EMPTY));
    }

    private List<Timer> timers(String route, String upstream) {
        List<Timer> out = new ArrayList<>(registry.find(ProxyMeters.REQUESTS.meterName()).tag("route", route)
                .tag("upstream", upstream).timers());
        out.addAll(registry.find(ProxyMeters.SHADOW_CALLS.meterName()).tag("route", route).tag("upstream", upstream)
                .timers());
        return out;
    }

    private void addHistoryPoint(Map<String, Sides> now, Map<String, Sides> previous) {
        String at = Instant.now().toString();
        Map<String, List<Map<String, Object>>> copy = new LinkedHashMap<>();
        now.forEach((route, s) -> {
            Sides p = previous.get(route);
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("at", at);
            point.put("legacy", latency(p == null ? s.legacy() : s.legacy().since(p.legacy())));
            point.put("candidate", latency(p == null ? s.candidate() : s.candidate().since(p.candidate())));
            Deque<Map<String, Object>> d = points.computeIfAbsent(route, k -> new ArrayDeque<>());
            d.addLast(point);
            while (d.size() > HISTORY_POINTS) {
                d.removeFirst();
            }
            copy.put(route, List.copyOf(d));
        });
        history = Map.copyOf(copy);
    }

    /** Audit entries written since the last tick (on any instance sharing the store), oldest first. */
    private List<AuditLog.Entry> newAuditEntries() {
        List<AuditLog.Entry> latest;
        try {
            latest = api.toggles().auditLog(20);
        } catch (java.sql.SQLException e) {
            log.debug("audit log unreadable for the dashboard feed", e);
            return List.of();
        }
        long newest = latest.stream().mapToLong(AuditLog.Entry::id).max().orElse(0);
        if (lastAuditId < 0) {
            // Whatever was there before somebody started watching is history, not news; what came after is.
            java.time.Instant since = watchingSince;
            lastAuditId = newest;
            return latest.stream().filter(e -> !java.time.Instant.parse(e.at()).isBefore(since))
                    .sorted(Comparator.comparingLong(AuditLog.Entry::id)).toList();
        }
        List<AuditLog.Entry> fresh = latest.stream().filter(e -> e.id() > lastAuditId)
                .sorted(Comparator.comparingLong(AuditLog.Entry::id)).toList();
        lastAuditId = Math.max(lastAuditId, newest);
        return fresh;
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
