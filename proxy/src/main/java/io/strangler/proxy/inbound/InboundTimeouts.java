package io.strangler.proxy.inbound;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.strangler.proxy.exchange.ErrorResponses;
import io.strangler.proxy.exchange.ProxyError;
import java.util.concurrent.TimeUnit;

/**
 * Clocks for a client connection, in front of the HTTP codec so that it sees raw bytes:
 * <ul>
 *   <li>idle (no request in flight, no bytes): after {@code idleTimeout} the connection is closed quietly;</li>
 *   <li>headers (a request's first byte arrived, its headers have not ended): after {@code requestHeaderTimeout}
 *       the client gets 408 and the connection closes. This is what defeats slowloris clients, which trickle
 *       header bytes forever;</li>
 *   <li>body (headers done, body not complete): 408 if no byte arrives for {@code idleTimeout};</li>
 *   <li>busy (the request is being proxied): no clock here, the upstream timeouts apply.</li>
 * </ul>
 * One instance per channel; confined to its event loop.
 *
 * <p>One timer at most per connection, re-armed lazily: a state change only records when it happened, and the timer,
 * when it fires, checks the current state's real deadline and re-arms for what is left. Every timer is armed for at
 * most {@code min(requestHeaderTimeout, idleTimeout)}, so a pending timer never fires after a deadline, and a
 * keep-alive connection whose requests come faster than that schedules no timer per request (scheduling and
 * cancelling three timers per request was the proxy's largest allocation site but for the HTTP codec's own).
 */
final class InboundTimeouts extends ChannelInboundHandlerAdapter {

    private enum State { IDLE, HEADERS, BODY, BUSY }

    private final Runnable onRequestTimeout;
    private final long headerTimeoutNanos;
    private final long idleTimeoutNanos;
    private final long tickNanos;
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private long stateSinceNanos;
    private long lastReadNanos;
    private ScheduledFuture<?> timer;

    /** {@code onRequestTimeout} is told (on the event loop) each time a client gets a 408. */
    InboundTimeouts(long headerTimeoutNanos, long idleTimeoutNanos, Runnable onRequestTimeout) {
        this.onRequestTimeout = onRequestTimeout;
        this.headerTimeoutNanos = headerTimeoutNanos;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.tickNanos = Math.min(headerTimeoutNanos, idleTimeoutNanos);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        enter(State.IDLE, System.nanoTime());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = System.nanoTime();
        lastReadNanos = now;
        if (state == State.IDLE && msg instanceof ByteBuf buf && buf.isReadable()) {
            enter(State.HEADERS, now);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    /**
     * A request's head was decoded (called by the handler just behind the codec): the header clock stops and the
     * body's idle clock starts. Decoded from the read that just passed through channelRead, so that read's time
     * will do.
     */
    void headersDecoded() {
        if (state == State.HEADERS) {
            enter(State.BODY, lastReadNanos);
        }
    }

    /** The whole request was received and is being proxied. BUSY runs no clock, so no time is read. */
    void requestReceived() {
        enter(State.BUSY, lastReadNanos);
    }

    /**
     * The response went out and the connection waits for the next request.
     *
     * @param nowNanos {@link System#nanoTime()} as the caller just read it (a clock read costs tens of ns here)
     */
    void awaitNextRequest(long nowNanos) {
        enter(State.IDLE, nowNanos);
    }

    private void enter(State next, long nowNanos) {
        state = next;
        stateSinceNanos = nowNanos;
        lastReadNanos = nowNanos;
        if (next != State.BUSY && timer == null && ctx.channel().isActive()) {
            schedule(next == State.HEADERS ? headerTimeoutNanos : idleTimeoutNanos);
        }
    }

    private void schedule(long delayNanos) {
        timer = ctx.executor().schedule(this::fire, Math.min(delayNanos, tickNanos), TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void fire() {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        long left = switch (state) {
            case IDLE -> idleTimeoutNanos - (now - stateSinceNanos);
            case HEADERS -> headerTimeoutNanos - (now - stateSinceNanos);
            case BODY -> idleTimeoutNanos - (now - lastReadNanos);
            // No clock while the request is proxied; entering the next clocked state arms one again.
            case BUSY -> Long.MAX_VALUE;
        };
        if (left == Long.MAX_VALUE) {
            return;
        }
        if (left > 0) {
            schedule(left);
        } else if (state == State.IDLE) {
            ctx.close();
        } else {
            timedOut();
        }
    }

    private void timedOut() {
        state = State.BUSY;
        onRequestTimeout.run();
        // Written from the tail so that it passes through the HTTP encoder.
        ctx.channel().writeAndFlush(ErrorResponses.of(ctx.alloc(), ProxyError.REQUEST_TIMEOUT, null, null, false))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
