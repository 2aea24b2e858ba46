package io.strangler.proxy.shadow;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.strangler.comparator.CompareRules;
import io.strangler.proxy.config.ShadowPolicy;
import io.strangler.proxy.metrics.RouteMeters;
import io.strangler.proxy.upstream.Upstream;

/**
 * One route's shadow machinery: its policy, guards, comparison rules, and the shadow upstream as reached from the
 * shadow event loops (its own connection pools, apart from those that serve live traffic).
 *
 * <p>Thread-safe and immutable apart from the guards' counters.
 */
public final class ShadowRoute {

    private final ShadowDispatcher dispatcher;
    private final String routeId;
    private final ShadowPolicy policy;
    private final ShadowGuards guards;
    private final Upstream upstream;
    private final Upstream secondary;
    private final CompareRules rules;
    private final RouteMeters meters;
    private final long timeoutNanos;
    private final boolean servedByCandidate;

    /** @param secondary legacy as reached from the shadow loops, for the secondary call; null if not used */
    ShadowRoute(ShadowDispatcher dispatcher, String routeId, ShadowPolicy policy, ShadowGuards guards,
            Upstream upstream, Upstream secondary, CompareRules rules, RouteMeters meters, boolean servedByCandidate) {
        this.servedByCandidate = servedByCandidate;
        this.dispatcher = dispatcher;
        this.routeId = routeId;
        this.policy = policy;
        this.guards = guards;
        this.upstream = upstream;
        this.secondary = secondary;
        this.rules = rules;
        this.meters = meters;
        this.timeoutNanos = policy.timeout().orElse(upstream.config().responseTimeout()).toNanos();
    }

    /**
     * Decides whether to shadow this request and, if so, sends a copy to the shadow side. Call it on the client's
     * event loop; it never waits. Does not take ownership of {@code request}: the copy holds its own reference to
     * the body.
     *
     * @param headers the headers as forwarded to the served side; copied, not kept
     * @return the exchange whose served side the caller must report, or null if the request is not shadowed
     *     (already counted as skipped)
     */
    public ShadowExchange dispatch(FullHttpRequest request, String target, HttpHeaders headers, String requestId,
            boolean preserveHost) {
        return dispatcher.dispatch(this, request, target, headers, requestId, preserveHost);
    }

    /** True when the candidate serves and this shadows legacy: the comparison is read the other way round. */
    public boolean servedByCandidate() {
        return servedByCandidate;
    }

    public String routeId() {
        return routeId;
    }

    public ShadowPolicy policy() {
        return policy;
    }

    /** True while this route's circuit to the shadow side is open: its copies are being skipped. */
    public boolean circuitOpen() {
        return guards().circuitOpen();
    }

    ShadowGuards guards() {
        return guards;
    }

    Upstream upstream() {
        return upstream;
    }

    /** Legacy on the shadow loops, or null when the route makes no secondary calls. */
    Upstream secondary() {
        return secondary;
    }

    CompareRules rules() {
        return rules;
    }

    RouteMeters meters() {
        return meters;
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    /** Shadow calls of this route in flight now. */
    public int inFlight() {
        return guards.inFlight();
    }
}
