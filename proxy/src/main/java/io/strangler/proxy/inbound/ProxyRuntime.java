package io.strangler.proxy.inbound;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.group.ChannelGroup;
import io.strangler.proxy.config.ListenConfig;
import io.strangler.proxy.exchange.ProxyError;
import io.strangler.proxy.metrics.ProxyMeters;
import io.strangler.proxy.routing.RoutingTable;
import io.strangler.toggles.RouteToggles;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * State shared by every inbound channel of one proxy: the current routing snapshot (replaced whole, read once per
 * request), the listener limits, the client channels, the in-flight count, the count of requests refused before
 * routing and whether the proxy is draining.
 *
 * <p>Thread-safe.
 */
public final class ProxyRuntime {

    private final ListenConfig listen;
    private final AtomicReference<RoutingTable> routing;
    private final ChannelGroup clientChannels;
    private final RouteToggles toggles;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;
    private final Map<ProxyError, Counter> refused = new EnumMap<>(ProxyError.class);

    public ProxyRuntime(ListenConfig listen, RoutingTable routing, ChannelGroup clientChannels,
            RouteToggles toggles, MeterRegistry registry) {
        for (ProxyError e : new ProxyError[] {ProxyError.MALFORMED_REQUEST, ProxyError.URI_TOO_LONG,
                ProxyError.HEADERS_TOO_LARGE, ProxyError.BODY_TOO_LARGE, ProxyError.REQUEST_TIMEOUT,
                ProxyError.NO_ROUTE}) {
            refused.put(e, Counter.builder(ProxyMeters.REQUESTS_REFUSED.meterName()).tag("reason", e.tag())
                    .description("requests answered by the proxy before reaching a route").register(registry));
        }
        this.listen = requireNonNull(listen, "listen");
        this.toggles = requireNonNull(toggles, "toggles");
        this.routing = new AtomicReference<>(requireNonNull(routing, "routing"));
        this.clientChannels = requireNonNull(clientChannels, "clientChannels");
    }

    public ListenConfig listen() {
        return listen;
    }

    public RoutingTable routing() {
        return routing.get();
    }

    /** Swaps in a new routing snapshot; requests already routed keep the old one. */
    public void replaceRouting(RoutingTable table) {
        routing.set(requireNonNull(table, "table"));
    }

    /** Route modes and the kill switch; decisions read memory only. */
    public RouteToggles toggles() {
        return toggles;
    }

    public ChannelGroup clientChannels() {
        return clientChannels;
    }

    /** Requests received and not yet answered, over all channels. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Counts a request the proxy answered with {@code error} before it reached a route. */
    void refused(ProxyError error) {
        Counter c = refused.get(error);
        if (c != null) {
            c.increment();
        }
    }

    void exchangeStarted() {
        inFlight.incrementAndGet();
    }

    void exchangeEnded() {
        inFlight.decrementAndGet();
    }

    public boolean isDraining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }
}
