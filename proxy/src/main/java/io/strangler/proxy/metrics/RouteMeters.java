package io.strangler.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The meters of one route, resolved once so that recording on the request path is an array or map read and an
 * add, not a registry lookup that builds tag lists.
 *
 * <p>Thread-safe: recorded from event loops and compare threads.
 */
public final class RouteMeters {

    private static final Duration MIN_LATENCY = Duration.ofMillis(1);
    private static final Duration MAX_LATENCY = Duration.ofSeconds(30);

    private final MeterRegistry registry;
    private final String route;
    private final Map<String, Timers> served = new ConcurrentHashMap<>();
    private final Map<String, Timers> shadowCalls = new ConcurrentHashMap<>();
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    private final Map<String, Counter> fallbacks = new ConcurrentHashMap<>();
    private final Timer compare;

    /** Latency timers of one upstream by status class, created on first use. */
    private final class Timers {
        private final ProxyMeters meter;
        private final String upstream;
        private final AtomicReferenceArray<Timer> byClass = new AtomicReferenceArray<>(6);

        Timers(ProxyMeters meter, String upstream) {
            this.meter = meter;
            this.upstream = upstream;
        }

        void record(int status, long nanos) {
            int i = status >= 100 && status < 600 ? status / 100 : 0;
            Timer t = byClass.get(i);
            if (t == null) {
                t = Timer.builder(meter.meterName())
                        .tags(Tags.of("route", route, "upstream", upstream, "status", ProxyMeters.statusClass(status)))
                        .publishPercentileHistogram()
                        .minimumExpectedValue(MIN_LATENCY)
                        .maximumExpectedValue(MAX_LATENCY)
                        .register(registry);
                byClass.set(i, t);
            }
            t.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    public RouteMeters(MeterRegistry registry, String route) {
        this.registry = registry;
        this.route = route;
        this.compare = Timer.builder(ProxyMeters.SHADOW_COMPARE.meterName()).tags("route", route).register(registry);
    }

    /** A served response (or a proxy error answer) of {@code status}, {@code nanos} after the request arrived. */
    public void served(String upstream, int status, long nanos) {
        served.computeIfAbsent(upstream, u -> new Timers(ProxyMeters.REQUESTS, u)).record(status, nanos);
    }

    /** A completed shadow call; {@code status} 0 when it failed without a response. */
    public void shadowCall(String upstream, int status, long nanos) {
        shadowCalls.computeIfAbsent(upstream, u -> new Timers(ProxyMeters.SHADOW_CALLS, u)).record(status, nanos);
    }

    /** One shadow outcome ({@code matched}, {@code diverged}, {@code failed}, {@code skipped}) with its reason. */
    public void outcome(String outcome, String reason) {
        String key = outcome + '|' + reason;
        Counter c = outcomes.get(key);
        if (c == null) {
            c = outcomes.computeIfAbsent(key, k -> Counter.builder(ProxyMeters.SHADOW_OUTCOMES.meterName())
                    .tags("route", route, "outcome", outcome, "reason", reason)
                    .register(registry));
        }
        c.increment();
    }

    /** A served request the candidate failed, answered by legacy instead; {@code why} is the failure tag. */
    public void fallback(String why) {
        Counter c = fallbacks.get(why);
        if (c == null) {
            c = fallbacks.computeIfAbsent(why, w -> Counter.builder(ProxyMeters.FALLBACKS.meterName())
                    .tags("route", route, "reason", w).register(registry));
        }
        c.increment();
    }

    public void compared(long nanos) {
        compare.record(nanos, TimeUnit.NANOSECONDS);
    }
}
