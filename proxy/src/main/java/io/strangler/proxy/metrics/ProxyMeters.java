package io.strangler.proxy.metrics;

import io.micrometer.core.instrument.Meter;
import java.util.List;

/**
 * Every meter Strangler registers: its name, type and tag keys, in one place, so that dashboards, alerts and docs
 * refer to names that exist. Tags carry route ids, upstream ids, status classes and outcome names only: never raw
 * paths or user ids, which would make the series count unbounded.
 *
 * <p>Names are Micrometer names; the Prometheus scrape turns {@code strangler.requests} (a timer) into
 * {@code strangler_requests_seconds_count}, {@code _sum} and {@code _bucket}.
 */
public enum ProxyMeters {
    /** Served requests and their latency (request received to response written), by who answered and how. */
    REQUESTS("strangler.requests", Meter.Type.TIMER, "route", "upstream", "status"),
    /**
     * Requests the proxy answered itself before they reached a route, by the error's tag: malformed (400), request
     * line or headers too long (414, 431), body too large (413), too slow (408), or matching no route (404).
     */
    REQUESTS_REFUSED("strangler.requests.refused", Meter.Type.COUNTER, "reason"),
    /** What became of each request of a route with a candidate: compared, failed or skipped, and why. */
    SHADOW_OUTCOMES("strangler.shadow.outcomes", Meter.Type.COUNTER, "route", "outcome", "reason"),
    /** Shadow calls and their latency (sent to response complete), by shadow upstream and status class. */
    SHADOW_CALLS("strangler.shadow.calls", Meter.Type.TIMER, "route", "upstream", "status"),
    /** Time spent comparing one pair of responses (on a compare thread or a shadow event loop). */
    SHADOW_COMPARE("strangler.shadow.compare", Meter.Type.TIMER, "route"),
    /** Comparisons waiting for a compare thread. */
    SHADOW_COMPARE_QUEUE("strangler.shadow.compare.queue", Meter.Type.GAUGE),
    /** Bytes of captured bodies waiting to be compared. */
    SHADOW_COMPARE_PENDING_BYTES("strangler.shadow.compare.pending.bytes", Meter.Type.GAUGE),
    /** Shadow calls in flight. */
    SHADOW_IN_FLIGHT("strangler.shadow.inflight", Meter.Type.GAUGE, "route"),
    /** Served requests the candidate failed (connect error, timeout, reset, 5xx with fallbackOn5xx) that legacy
     *  answered instead. */
    FALLBACKS("strangler.fallbacks", Meter.Type.COUNTER, "route", "reason"),
    /** Routes switched back to shadow by themselves because the candidate failed the traffic it served. */
    AUTO_ROLLBACKS("strangler.auto.rollbacks", Meter.Type.COUNTER, "route"),
    /** 1 for each route's current mode, 0 for the others. */
    ROUTE_MODE("strangler.route.mode", Meter.Type.GAUGE, "route", "mode"),
    /** 1 while the global kill switch is on. */
    KILL_SWITCH("strangler.kill.switch", Meter.Type.GAUGE),
    /** Requests received and not yet answered. */
    IN_FLIGHT("strangler.requests.inflight", Meter.Type.GAUGE),
    /** Divergence samples dropped because the store's queue was full (counts are never dropped). */
    STORE_SAMPLES_DROPPED("strangler.store.samples.dropped", Meter.Type.COUNTER),
    /** Divergence samples waiting for the store's writer. */
    STORE_QUEUE("strangler.store.queue", Meter.Type.GAUGE),
    /** 1 while the divergence store is reachable, 0 while counts are only kept in memory. */
    STORE_REACHABLE("strangler.store.reachable", Meter.Type.GAUGE),
    /** Records for replay, by what became of them: written, dropped (queue full, recording off) or too_large. */
    CAPTURE_RECORDS("strangler.capture.records", Meter.Type.COUNTER, "route", "outcome"),
    /** 1 once recording stopped itself after a write failure (disk full, directory not writable). */
    CAPTURE_FAILED("strangler.capture.failed", Meter.Type.GAUGE, "route");

    private final String meterName;
    private final Meter.Type type;
    private final List<String> tagKeys;

    ProxyMeters(String meterName, Meter.Type type, String... tagKeys) {
        this.meterName = meterName;
        this.type = type;
        this.tagKeys = List.of(tagKeys);
    }

    public String meterName() {
        return meterName;
    }

    public Meter.Type type() {
        return type;
    }

    public List<String> tagKeys() {
        return tagKeys;
    }

    /** The status tag for an HTTP status: {@code 2xx}, {@code 5xx}, ... */
    public static String statusClass(int status) {
        return switch (status / 100) {
            case 1 -> "1xx";
            case 2 -> "2xx";
            case 3 -> "3xx";
            case 4 -> "4xx";
            case 5 -> "5xx";
            default -> "other";
        };
    }
}
