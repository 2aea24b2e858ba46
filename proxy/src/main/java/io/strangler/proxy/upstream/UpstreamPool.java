package io.strangler.proxy.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.strangler.proxy.exchange.ProxyError;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keep-alive connections to one upstream from one event loop. Every connection it hands out lives on that loop, so
 * the inbound channel and its upstream channel share a thread and nothing needs locking.
 *
 * <p>At most {@code limit} connections are open; further requests wait (up to the connect timeout, and at most
 * {@link #MAX_WAITERS} of them) for one to be released. Idle connections are reused most-recent first and closed
 * after the upstream's idle timeout.
 *
 * <p>Confined to its event loop: every method must be called on it.
 */
public final class UpstreamPool {

    private static final Logger log = LoggerFactory.getLogger(UpstreamPool.class);

    /** Requests that may wait for a connection, per pool. Beyond that they fail at once with 503. */
    static final int MAX_WAITERS = 1024;
    private static final int MAX_RESPONSE_HEADER_BYTES = 64 * 1024;

    private final Upstream upstream;
    private final EventLoop loop;
    private final int limit;
    private final Bootstrap bootstrap;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int open;
    private ScheduledFuture<?> idleSweep;
    private boolean closed;

    /** A request waiting for a connection, failed with 503 if none frees up within the connect timeout. */
    private record Waiter(Promise<UpstreamConnection> promise, ScheduledFuture<?> expiry) {
    }

    UpstreamPool(Upstream upstream, EventLoop loop, int limit) {
        this.upstream = upstream;
        this.loop = loop;
        this.limit = limit;
        long responseTimeoutNanos = upstream.config().responseTimeout().toNanos();
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(upstream.transport().clientChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, upstream.config().connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("codec", new UpstreamHttpCodec(new HttpDecoderConfig()
                                .setMaxHeaderSize(MAX_RESPONSE_HEADER_BYTES)
                                .setMaxInitialLineLength(MAX_RESPONSE_HEADER_BYTES),
                                upstream.config().fastResponseDecoder()));
                        ch.pipeline().addLast("connection", new UpstreamConnection(UpstreamPool.this,
                                responseTimeoutNanos));
                    }
                });
    }

    Upstream upstream() {
        return upstream;
    }

    /**
     * A connection for one request, completed on this pool's loop. Fails with {@link UpstreamAcquireException}
     * carrying the {@link ProxyError} the client should get.
     */
    public Future<UpstreamConnection> acquire() {
        Promise<UpstreamConnection> promise = loop.newPromise();
        if (closed) {
            promise.setFailure(new UpstreamAcquireException(ProxyError.SHUTTING_DOWN));
            return promise;
        }
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            if (c.channel().isActive()) {
                promise.setSuccess(c);
                return promise;
            }
        }
        if (open < limit) {
            connect(promise);
        } else if (waiters.size() < MAX_WAITERS) {
            ScheduledFuture<?> expiry = loop.schedule(() -> expire(promise),
                    upstream.config().connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
            waiters.addLast(new Waiter(promise, expiry));
        } else {
            promise.setFailure(new UpstreamAcquireException(ProxyError.UPSTREAM_POOL_EXHAUSTED));
        }
        return promise;
    }

    private void expire(Promise<UpstreamConnection> promise) {
        waiters.removeIf(w -> w.promise() == promise);
        promise.tryFailure(new UpstreamAcquireException(ProxyError.UPSTREAM_POOL_EXHAUSTED));
    }

    private void connect(Promise<UpstreamConnection> promise) {
        open++;
        ChannelFuture f = bootstrap.connect(upstream.address());
        Channel ch = f.channel();
        ch.closeFuture().addListener(cf -> onClosed(ch));
        f.addListener((ChannelFuture cf) -> {
            if (cf.isSuccess()) {
                UpstreamConnection conn = (UpstreamConnection) ch.pipeline().get("connection");
                if (!promise.trySuccess(conn)) {
                    release(conn);
                }
            } else {
                Throwable cause = cf.cause();
                log.debug("connect to upstream {} at {} failed", upstream.id(), upstream.address(), cause);
                // Refused, unreachable and unresolvable all mean the same to the client: nobody answered (502).
                ProxyError error = cause instanceof ConnectTimeoutException
                        ? ProxyError.UPSTREAM_CONNECT_TIMEOUT : ProxyError.UPSTREAM_REFUSED;
                promise.tryFailure(new UpstreamAcquireException(error));
            }
        });
    }

    /** Takes back a connection whose response ended cleanly. */
    void release(UpstreamConnection conn) {
        if (closed || !conn.channel().isActive()) {
            conn.channel().close();
            return;
        }
        Waiter w;
        while ((w = waiters.pollFirst()) != null) {
            w.expiry().cancel(false);
            if (w.promise().trySuccess(conn)) {
                return;
            }
        }
        idle.addFirst(conn);
        scheduleIdleSweep();
    }

    private void onClosed(Channel ch) {
        open--;
        idle.removeIf(c -> c.channel() == ch);
        // A slot freed up: give it to the longest-waiting request.
        Waiter w;
        while (open < limit && !closed && (w = waiters.pollFirst()) != null) {
            w.expiry().cancel(false);
            if (!w.promise().isDone()) {
                connect(w.promise());
            }
        }
    }

    private void scheduleIdleSweep() {
        if (idleSweep == null) {
            long period = Math.max(upstream.config().idleTimeout().toNanos() / 2, TimeUnit.MILLISECONDS.toNanos(50));
            idleSweep = loop.schedule(this::sweepIdle, period, TimeUnit.NANOSECONDS);
        }
    }

    private void sweepIdle() {
        idleSweep = null;
        long cutoff = System.nanoTime() - upstream.config().idleTimeout().toNanos();
        Iterator<UpstreamConnection> it = idle.descendingIterator();
        while (it.hasNext()) {
            UpstreamConnection c = it.next();
            if (c.idleSinceNanos() - cutoff <= 0) {
                it.remove();
                c.channel().close();
            }
        }
        if (!idle.isEmpty()) {
            scheduleIdleSweep();
        }
    }

    /** Closes idle connections and fails waiters; busy connections close when their response ends. */
    void close() {
        closed = true;
        if (idleSweep != null) {
            idleSweep.cancel(false);
        }
        Waiter w;
        while ((w = waiters.pollFirst()) != null) {
            w.expiry().cancel(false);
            w.promise().tryFailure(new UpstreamAcquireException(ProxyError.SHUTTING_DOWN));
        }
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            c.channel().close();
        }
    }
}
