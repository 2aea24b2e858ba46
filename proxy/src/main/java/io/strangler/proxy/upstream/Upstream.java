package io.strangler.proxy.upstream;

import static java.util.Objects.requireNonNull;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.strangler.proxy.Transport;
import io.strangler.proxy.config.UpstreamConfig;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An upstream at run time: its config and one connection pool per event loop. The address is resolved once, when
 * the upstream is created (off the event loop), so that connecting never blocks on DNS.
 *
 * <p>Thread-safe: each event loop gets and then only uses its own pool.
 */
public final class Upstream {

    private final UpstreamConfig config;
    private final Transport transport;
    private final InetSocketAddress address;
    private final int perLoopLimit;
    private final Map<EventExecutor, UpstreamPool> pools = new ConcurrentHashMap<>();

    /**
     * @param eventLoops number of event loops that will use this upstream; {@code maxConnections} is split
     *     between them (rounded up), since each loop keeps its own pool
     */
    public Upstream(UpstreamConfig config, Transport transport, int eventLoops) {
        this.config = requireNonNull(config, "config");
        this.transport = requireNonNull(transport, "transport");
        this.address = new InetSocketAddress(config.host(), config.port());
        this.perLoopLimit = Math.max(1, (config.maxConnections() + eventLoops - 1) / eventLoops);
    }

    public String id() {
        return config.id();
    }

    public UpstreamConfig config() {
        return config;
    }

    Transport transport() {
        return transport;
    }

    InetSocketAddress address() {
        return address;
    }

    /** The pool of the given loop; call it on that loop. */
    public UpstreamPool pool(EventLoop loop) {
        UpstreamPool pool = pools.get(loop);
        if (pool == null) {
            pool = pools.computeIfAbsent(loop, l -> new UpstreamPool(this, loop, perLoopLimit));
        }
        return pool;
    }

    /** Closes every pool's idle connections, each on its own loop. */
    public void close() {
        pools.forEach((loop, pool) -> loop.execute(pool::close));
    }
}
