package io.strangler.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.strangler.proxy.exchange.ProxyError;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pooled keep-alive connection to an upstream, and the last handler of its pipeline. It carries one request
 * at a time: {@link #send} writes the request and routes the response pieces to the listener; when the response
 * ends the connection goes back to its pool, or is closed if it cannot be reused.
 *
 * <p>Confined to its event loop (the inbound channel's): every method must be called on it.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(UpstreamConnection.class);

    private enum State { IDLE, AWAITING_HEAD, SKIPPING_INFORMATIONAL, STREAMING }

    private final UpstreamPool pool;
    private final long responseTimeoutNanos;
    private Channel channel;
    private State state = State.IDLE;
    private UpstreamResponseListener listener;
    private boolean reused;
    private boolean keepAlive;
    private boolean paused;
    private long lastReadNanos;
    private long idleSinceNanos;
    private ScheduledFuture<?> timeout;
    private final Runnable checkTimeout = this::checkTimeout;

    UpstreamConnection(UpstreamPool pool, long responseTimeoutNanos) {
        this.pool = pool;
        this.responseTimeoutNanos = responseTimeoutNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.channel = ctx.channel();
    }

    public Channel channel() {
        return channel;
    }

    long idleSinceNanos() {
        return idleSinceNanos;
    }

    /**
     * Writes the request and delivers its response to {@code listener}. Ownership of {@code request} (and any
     * content it carries) passes to this method.
     */
    public void send(HttpRequest request, UpstreamResponseListener responseListener) {
        this.listener = responseListener;
        this.state = State.AWAITING_HEAD;
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.lastReadNanos = System.nanoTime();
        // One timer per connection, not one per request: a timer still armed from an earlier response fires no
        // later than this request's deadline and re-arms itself for what is left (see checkTimeout).
        if (timeout == null) {
            timeout = channel.eventLoop().schedule(checkTimeout, responseTimeoutNanos, TimeUnit.NANOSECONDS);
        }
        // A write that fails reaches exceptionCaught (the void promise passes failures to the pipeline), which
        // fails this exchange as a reset, as a closed connection would.
        channel.writeAndFlush(request, channel.voidPromise());
    }

    /** Hands an idle connection that was acquired but never used back to its pool. */
    public void recycle() {
        pool.release(this);
    }

    /** Stops reading from the upstream, because the client cannot take more yet. */
    public void pauseReading() {
        if (!paused) {
            paused = true;
            channel.config().setAutoRead(false);
        }
    }

    /** Resumes reading after {@link #pauseReading}. */
    public void resumeReading() {
        if (paused) {
            paused = false;
            lastReadNanos = System.nanoTime();
            channel.config().setAutoRead(true);
        }
    }

    /**
     * Gives up on the current response (the client went away): the connection is closed, since the rest of the
     * response would still arrive on it. The listener hears nothing more.
     */
    public void abort() {
        listener = null;
        state = State.IDLE;
        cancelTimeout();
        closeNow(channel);
    }

    /**
     * Closes a connection we give up on so that the kernel stops counting it as established at once. A plain close
     * can reach the kernel later: NIO defers the close of a channel registered with a selector to the selector's
     * next pass, and io_uring submits it. Until then the socket stays ESTABLISHED, and a bulkhead that returned its
     * permit on close would let new connections outnumber it for a moment. Shutting the output down first is a
     * direct system call (the FIN goes out now); the close then frees the socket. On the channel's event loop.
     */
    public static void closeNow(Channel channel) {
        if (channel instanceof DuplexChannel duplex && channel.isActive() && !duplex.isOutputShutdown()) {
            duplex.shutdownOutput();
        }
        channel.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (listener == null) {
            // Bytes nobody asked for (a response after an abort, or garbage on an idle connection).
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        lastReadNanos = System.nanoTime();
        if (msg instanceof HttpResponse response) {
            if (!readHead(response)) {
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        if (msg instanceof HttpContent content) {
            readContent(content);
        }
    }

    /** Returns false if the message must not be passed on as content. */
    private boolean readHead(HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            Throwable cause = response.decoderResult().cause();
            fail(cause instanceof PrematureChannelClosureException
                    ? ProxyError.UPSTREAM_RESET : ProxyError.UPSTREAM_MALFORMED);
            return false;
        }
        if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            if (response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                // We never ask to upgrade (Upgrade is stripped), so a 101 is a broken upstream.
                fail(ProxyError.UPSTREAM_MALFORMED);
                return false;
            }
            // 100 Continue or 103 Early Hints: not final, wait for the real response.
            state = State.SKIPPING_INFORMATIONAL;
            return true;
        }
        state = State.STREAMING;
        keepAlive = keepAlive && HttpUtil.isKeepAlive(response) && hasSelfDelimitedBody(response);
        listener.onHead(response);
        return listener != null;
    }

    private static boolean hasSelfDelimitedBody(HttpResponse response) {
        return HttpUtil.isContentLengthSet(response) || HttpUtil.isTransferEncodingChunked(response)
                || response.status().code() == 204 || response.status().code() == 304;
    }

    private void readContent(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            content.release();
            fail(ProxyError.UPSTREAM_MALFORMED);
            return;
        }
        if (state == State.SKIPPING_INFORMATIONAL) {
            content.release();
            if (content instanceof LastHttpContent) {
                state = State.AWAITING_HEAD;
            }
            return;
        }
        if (state != State.STREAMING) {
            content.release();
            return;
        }
        UpstreamResponseListener l = listener;
        if (content instanceof LastHttpContent last) {
            listener = null;
            state = State.IDLE;
            // The timer stays armed for the connection's next request; if it fires while idle, it stops.
            l.onEnd(last);
            finishResponse();
        } else {
            l.onContent(content);
        }
    }

    private void finishResponse() {
        if (paused) {
            paused = false;
            channel.config().setAutoRead(true);
        }
        if (keepAlive && channel.isActive()) {
            reused = true;
            // The response's end was just read: the read's time will do (no second clock read).
            idleSinceNanos = lastReadNanos;
            pool.release(this);
        } else {
            closeNow(channel);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.onReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (listener != null) {
            fail(ProxyError.UPSTREAM_RESET);
        }
        cancelTimeout();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("upstream {} connection error", pool.upstream().id(), cause);
        if (listener != null) {
            fail(ProxyError.UPSTREAM_RESET);
        }
        ctx.close();
    }

    private void checkTimeout() {
        timeout = null;
        if (listener == null) {
            return;
        }
        long now = System.nanoTime();
        long idleFor = now - lastReadNanos;
        if (state == State.STREAMING && paused) {
            // The client is slow, not the upstream: the clock restarts when we read again.
            timeout = channel.eventLoop().schedule(checkTimeout, responseTimeoutNanos, TimeUnit.NANOSECONDS);
        } else if (idleFor >= responseTimeoutNanos) {
            fail(ProxyError.UPSTREAM_RESPONSE_TIMEOUT);
        } else {
            timeout = channel.eventLoop().schedule(checkTimeout, responseTimeoutNanos - idleFor,
                    TimeUnit.NANOSECONDS);
        }
    }

    private void fail(ProxyError error) {
        UpstreamResponseListener l = listener;
        boolean afterHead = state == State.STREAMING;
        boolean retryable = reused && state == State.AWAITING_HEAD && error == ProxyError.UPSTREAM_RESET;
        listener = null;
        state = State.IDLE;
        cancelTimeout();
        closeNow(channel);
        if (l != null) {
            l.onFailure(error, afterHead, retryable);
        }
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }
}
