package io.strangler.proxy.shadow;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.strangler.comparator.ComparedRequest;
import io.strangler.comparator.Comparison;
import io.strangler.comparator.NoiseDetector;
import io.strangler.comparator.Observation;
import io.strangler.comparator.ResponseComparator;
import io.strangler.comparator.Verdict;
import io.strangler.proxy.exchange.RequestTarget;
import io.strangler.proxy.ThreadPriorities;
import io.strangler.proxy.Transport;
import io.strangler.proxy.config.CircuitBreakerPolicy;
import io.strangler.proxy.config.RouteConfig;
import io.strangler.proxy.config.ShadowingConfig;
import io.strangler.proxy.config.UpstreamConfig;
import io.strangler.proxy.metrics.ProxyMeters;
import io.strangler.proxy.metrics.RouteMeters;
import io.strangler.proxy.upstream.Upstream;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends copies of served requests to the shadow side and compares the two responses, using resources of its own:
 * an event loop group and connection pools that live traffic never uses, a bulkhead and a circuit breaker per
 * route, and a bounded pool of compare threads. Live traffic touches it only in {@link #dispatch}, which decides,
 * takes permits without waiting and hands the copy to a shadow event loop.
 *
 * <p>Thread-safe. One per proxy; {@link #close} stops it after the live listener has stopped.
 */
public final class ShadowDispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ShadowDispatcher.class);

    public static final AsciiString SHADOW_HEADER = AsciiString.cached("x-strangler-shadow");
    private static final AsciiString TRUE = AsciiString.cached("true");
    private static final byte[] NO_BYTES = new byte[0];
    private static final java.util.Set<String> SAFE_METHODS = java.util.Set.of("GET", "HEAD", "OPTIONS");
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private final ShadowingConfig config;
    private final Transport transport;
    private final EventLoopGroup group;
    private final ThreadPoolExecutor compareExecutor;
    private final MeterRegistry registry;
    private final BulkheadRegistry bulkheads = BulkheadRegistry.ofDefaults();
    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
    private final Map<String, Upstream> upstreams = new ConcurrentHashMap<>();
    private final ResponseComparator comparator;
    private final NoiseDetector noise;
    private final ShadowResultListener listener;
    private final Clock clock;
    private final AtomicLong pendingBytes = new AtomicLong();
    private volatile boolean closed;

    public ShadowDispatcher(ShadowingConfig config, Transport transport, MeterRegistry registry,
            ResponseComparator comparator, NoiseDetector noise, ShadowResultListener listener, Clock clock) {
        this.config = requireNonNull(config, "config");
        this.transport = requireNonNull(transport, "transport");
        this.registry = requireNonNull(registry, "registry");
        this.comparator = requireNonNull(comparator, "comparator");
        this.noise = requireNonNull(noise, "noise");
        this.listener = requireNonNull(listener, "listener");
        this.clock = requireNonNull(clock, "clock");
        this.group = transport.newGroup(config.ioThreads(), ThreadPriorities.SHADOW_LOOP,
                ThreadPriorities.BACKGROUND);
        AtomicInteger threadIds = new AtomicInteger();
        this.compareExecutor = new ThreadPoolExecutor(config.compareThreads(), config.compareThreads(), 0,
                TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(config.compareQueue()), r -> {
                    Thread t = new Thread(r, ThreadPriorities.COMPARE + threadIds.incrementAndGet());
                    t.setDaemon(true);
                    t.setPriority(ThreadPriorities.BACKGROUND);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        compareExecutor.prestartAllCoreThreads();
        // Start the loops now rather than with the first shadow call, so that their threads are there to be lowered
        // (BackgroundThreads) when the proxy starts, and the first call pays no thread start.
        group.forEach(loop -> loop.submit(() -> { }).syncUninterruptibly());
        TaggedBulkheadMetrics.ofBulkheadRegistry(bulkheads).bindTo(registry);
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
        Gauge.builder(ProxyMeters.SHADOW_COMPARE_QUEUE.meterName(), compareExecutor, e -> e.getQueue().size())
                .register(registry);
        Gauge.builder(ProxyMeters.SHADOW_COMPARE_PENDING_BYTES.meterName(), pendingBytes, AtomicLong::get)
                .register(registry);
    }

    /**
     * Builds the shadow machinery of one route whose shadow side is {@code shadowUpstream}; {@code legacy} is used
     * for secondary calls when the route asks for them.
     */
    public ShadowRoute route(RouteConfig route, UpstreamConfig shadowUpstream, UpstreamConfig legacy,
            RouteMeters meters) {
        return route(route, route.id(), shadowUpstream, route.shadow().legacySecondary() ? legacy : null, meters,
                false);
    }

    /**
     * Builds the shadow machinery for when the candidate serves: legacy is the shadow side, with its own bulkhead
     * and breaker (named {@code <route>:legacy}), and the comparison still reads legacy as the control.
     */
    public ShadowRoute legacyShadowRoute(RouteConfig route, UpstreamConfig legacy, RouteMeters meters) {
        return route(route, route.id() + ":legacy", legacy, null, meters, true);
    }

    private ShadowRoute route(RouteConfig route, String name, UpstreamConfig shadowUpstream,
            UpstreamConfig secondaryUpstream, RouteMeters meters, boolean servedByCandidate) {
        Bulkhead bulkhead = bulkheads.bulkhead(name, BulkheadConfig.custom()
                .maxConcurrentCalls(route.shadow().maxConcurrent())
                .maxWaitDuration(java.time.Duration.ZERO)
                .build());
        CircuitBreaker breaker = breakers.circuitBreaker(name, breakerConfig(route.circuitBreaker()));
        Upstream upstream = shadowSideOf(shadowUpstream);
        Upstream secondary = secondaryUpstream == null ? null : shadowSideOf(secondaryUpstream);
        ShadowRoute shadowRoute = new ShadowRoute(this, route.id(), route.shadow(), new ShadowGuards(bulkhead, breaker),
                upstream, secondary, route.compare(), meters, servedByCandidate);
        if (!servedByCandidate) {
            Gauge.builder(ProxyMeters.SHADOW_IN_FLIGHT.meterName(), shadowRoute, ShadowRoute::inFlight)
                    .tag("route", route.id())
                    .register(registry);
        }
        return shadowRoute;
    }

    /** An upstream as reached from the shadow loops: one instance (and its pools) per upstream id. */
    private Upstream shadowSideOf(UpstreamConfig upstream) {
        return upstreams.computeIfAbsent(upstream.id(), id -> new Upstream(upstream, transport, config.ioThreads()));
    }

    /** The resilience4j configuration of a route's {@code circuitBreaker} settings. */
    public static CircuitBreakerConfig breakerConfig(CircuitBreakerPolicy p) {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(p.slidingWindowSize())
                .minimumNumberOfCalls(p.minimumCalls())
                .failureRateThreshold(p.failureRateThreshold())
                .slowCallRateThreshold(p.slowCallRateThreshold())
                .slowCallDurationThreshold(p.slowCallThreshold())
                .waitDurationInOpenState(p.waitInOpenState())
                .permittedNumberOfCallsInHalfOpenState(p.halfOpenCalls())
                // Open -> half-open happens on the next request after the wait, so no scheduler thread is needed.
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .build();
    }

    /** See {@link ShadowRoute#dispatch}. Runs on the client's event loop. */
    ShadowExchange dispatch(ShadowRoute route, FullHttpRequest request, String target, HttpHeaders headers,
            String requestId, boolean preserveHost) {
        if (!route.policy().methods().contains(request.method().name())) {
            skipped(route, SkipReason.METHOD_NOT_SHADOWED);
            return null;
        }
        double rate = route.policy().sampleRate();
        if (rate < 1.0 && ThreadLocalRandom.current().nextDouble() >= rate) {
            skipped(route, SkipReason.NOT_SAMPLED);
            return null;
        }
        if (request.content().readableBytes() > route.policy().maxBodyBytes()) {
            skipped(route, SkipReason.BODY_TOO_LARGE);
            return null;
        }
        if (closed) {
            skipped(route, SkipReason.SHUTTING_DOWN);
            return null;
        }
        SkipReason refused = route.guards().tryAcquire();
        if (refused != null) {
            skipped(route, refused);
            return null;
        }
        // The secondary call measures legacy's own noise; it only ever repeats safe methods, since legacy is the
        // production system, and it needs a bulkhead permit of its own.
        boolean secondary = route.secondary() != null && SAFE_METHODS.contains(request.method().name())
                && route.guards().tryAcquireSecondary();
        int bodyBytes = request.content().readableBytes();
        byte[] body = bodyBytes == 0 ? NO_BYTES : ByteBufUtil.getBytes(request.content());
        EventLoop loop = group.next();
        ShadowExchange exchange = new ShadowExchange(this, loop, route,
                new ComparedRequest(route.routeId(), request.method().name(), RequestTarget.path(target)), target,
                headers, body, requestId, clock.instant(), secondary);
        send(new ShadowCall(exchange, route, false, loop, copyOf(request, target, headers, preserveHost,
                route.upstream())), loop);
        if (secondary) {
            send(new ShadowCall(exchange, route, true, loop, copyOf(request, target, headers, preserveHost,
                    route.secondary())), loop);
        }
        return exchange;
    }

    /** The request as the shadow side gets it; holds its own reference to the body. */
    private static FullHttpRequest copyOf(FullHttpRequest request, String target, HttpHeaders headers,
            boolean preserveHost, Upstream to) {
        HttpHeaders h = HEADERS.newHeaders().set(headers);
        if (!preserveHost || !h.contains(HttpHeaderNames.HOST)) {
            h.set(HttpHeaderNames.HOST, to.config().hostHeader());
        }
        h.set(SHADOW_HEADER, TRUE);
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method(), target,
                request.content().retainedDuplicate(), h, HEADERS.newEmptyHeaders());
    }

    private static void send(ShadowCall call, EventLoop loop) {
        try {
            loop.execute(call);
        } catch (RejectedExecutionException e) {
            // The shadow loops are stopping (shutdown raced this request).
            call.cancel();
        }
    }

    private void skipped(ShadowRoute route, SkipReason reason) {
        route.meters().outcome(ShadowOutcome.SKIPPED.tag(), reason.tag());
        try {
            listener.onSkipped(route.routeId(), reason);
        } catch (RuntimeException e) {
            log.warn("a shadow result listener failed on route {}", route.routeId(), e);
        }
    }


    /** The served side reported last, on a thread serving clients: {@link #complete} runs on {@code loop}. */
    void completeOn(EventLoop loop, ShadowExchange exchange) {
        try {
            loop.execute(() -> complete(exchange));
        } catch (RejectedExecutionException e) {
            skipped(exchange.route(), SkipReason.SHUTTING_DOWN);
        }
    }

    /**
     * Every side reported: count skips at once, compare small answers here, queue the rest for a compare thread. Runs
     * on the exchange's shadow event loop.
     */
    void complete(ShadowExchange exchange) {
        ShadowExchange.Side served = exchange.served();
        ShadowExchange.Side shadow = exchange.shadow();
        SkipReason skipped = served.skipped() != null ? served.skipped() : shadow.skipped();
        if (skipped != null) {
            skipped(exchange.route(), skipped);
            return;
        }
        ShadowExchange.Side secondary = exchange.secondary();
        long bytes = (long) served.bytes() + shadow.bytes() + (secondary == null ? 0 : secondary.bytes());
        if (bytes <= INLINE_COMPARE_BYTES) {
            // Small answers: compare here, on the shadow loop, rather than wake a compare thread for microseconds of
            // work (one thread less competing for the cores per request).
            compare(exchange);
            return;
        }
        if (pendingBytes.addAndGet(bytes) > config.comparePendingBytes()) {
            pendingBytes.addAndGet(-bytes);
            skipped(exchange.route(), SkipReason.COMPARE_QUEUE_FULL);
            return;
        }
        try {
            compareExecutor.execute(() -> {
                try {
                    compare(exchange);
                } finally {
                    pendingBytes.addAndGet(-bytes);
                }
            });
        } catch (RejectedExecutionException e) {
            pendingBytes.addAndGet(-bytes);
            skipped(exchange.route(), closed ? SkipReason.SHUTTING_DOWN : SkipReason.COMPARE_QUEUE_FULL);
        }
    }

    /** Bodies up to this many bytes in all are compared on the exchange's shadow event loop. */
    static final int INLINE_COMPARE_BYTES = 8 * 1024;

    /**
     * On a compare thread, or for small answers on a shadow event loop. Nothing thrown here can reach a client; it
     * is counted and logged.
     */
    private void compare(ShadowExchange exchange) {
        RouteMeters meters = exchange.route().meters();
        ShadowExchange.Side served = exchange.served();
        ShadowExchange.Side shadow = exchange.shadow();
        // Legacy is always the control: when the candidate serves, legacy is the shadow side.
        boolean candidateServed = exchange.route().servedByCandidate();
        Observation legacy = candidateServed ? shadow.observation() : served.observation();
        Observation candidate = candidateServed ? served.observation() : shadow.observation();
        ShadowExchange.Side legacySide = candidateServed ? shadow : served;
        ShadowExchange.Side candidateSide = candidateServed ? served : shadow;
        ShadowOutcome outcome;
        String reason;
        Optional<Comparison> comparison = Optional.empty();
        try {
            if (legacySide.failure() != null || candidateSide.failure() != null) {
                outcome = ShadowOutcome.FAILED;
                reason = legacySide.failure() != null && candidateSide.failure() != null ? "both_failed"
                        : legacySide.failure() != null ? "legacy_" + legacySide.failure().tag()
                        : "candidate_" + candidateSide.failure().tag();
            } else {
                long start = System.nanoTime();
                ShadowExchange.Side secondary = exchange.secondary();
                if (secondary != null && secondary.observation() != null && secondary.failure() == null) {
                    // Legacy against itself: what differs here is noise, whatever the candidate does.
                    noise.recordSecondary(comparator.compare(exchange.request(), legacy, secondary.observation(),
                            exchange.route().rules()));
                }
                Comparison c = comparator.compare(exchange.request(), legacy, candidate, exchange.route().rules());
                noise.recordCandidate(c);
                c = noise.filter(c);
                meters.compared(System.nanoTime() - start);
                comparison = Optional.of(c);
                outcome = c.verdict() == Verdict.DIVERGED ? ShadowOutcome.DIVERGED : ShadowOutcome.MATCHED;
                reason = c.verdict().tag();
            }
        } catch (RuntimeException | StackOverflowError e) {
            log.warn("comparing {} {} on route {} failed", exchange.request().method(), exchange.request().path(),
                    exchange.request().routeId(), e);
            meters.outcome(ShadowOutcome.FAILED.tag(), "compare_error");
            return;
        }
        meters.outcome(outcome.tag(), reason);
        try {
            listener.onResult(new ShadowResult(exchange.request(), exchange.recorded(), exchange.requestId(),
                    candidateServed ? "candidate" : "legacy", outcome, reason, comparison,
                    Optional.of(served.observation()), Optional.of(shadow.observation()), exchange.at()));
        } catch (RuntimeException e) {
            log.warn("a shadow result listener failed on route {}", exchange.request().routeId(), e);
        }
    }

    /**
     * Stops shadowing: no new shadow calls, calls in flight are cut, queued comparisons get a short while to end.
     * Call it after the live listener and its event loops have stopped.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        upstreams.values().forEach(Upstream::close);
        // A short quiet period lets the loops see the closes they just asked for complete: a loop stopped with reads
        // still in flight (io_uring) can lose their buffers.
        group.shutdownGracefully(50, 2000, TimeUnit.MILLISECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        compareExecutor.shutdown();
        try {
            if (!compareExecutor.awaitTermination(2, TimeUnit.SECONDS)) {
                compareExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            compareExecutor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
