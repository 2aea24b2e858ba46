package io.strangler.proxy.shadow;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.strangler.proxy.exchange.ProxyError;
import io.strangler.proxy.upstream.Upstream;
import io.strangler.proxy.upstream.UpstreamAcquireException;
import io.strangler.proxy.upstream.UpstreamConnection;
import io.strangler.proxy.upstream.UpstreamResponseListener;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One request sent to the shadow side: acquire a connection from the shadow pool, send, capture the response up to
 * the size limit, and report the result to the {@link ShadowExchange}. The whole call is bounded by the route's
 * shadow timeout; when it fires the connection is closed, so a hung shadow upstream does not keep connections.
 * A response over the size limit is cut off the same way rather than read to its end.
 *
 * <p>Owns {@code request} until it ends. Confined to one shadow event loop once {@link #run} starts there.
 */
final class ShadowCall implements Runnable, UpstreamResponseListener {

    private final ShadowExchange exchange;
    private final ShadowRoute route;
    private final boolean secondary;
    private final Upstream upstream;
    private final EventLoop loop;
    private FullHttpRequest request;
    private ResponseCapture capture;
    private UpstreamConnection connection;
    private Channel closing;
    private Future<UpstreamConnection> acquiring;
    private Runnable deferredRelease;
    private ScheduledFuture<?> deadline;
    private long startNanos;
    private int attempts;
    private boolean done;

    /**
     * @param secondary true for the secondary call to legacy (noise measurement), false for the call to the shadow
     *     side; the secondary call holds only a bulkhead permit and never touches the circuit breaker
     */
    ShadowCall(ShadowExchange exchange, ShadowRoute route, boolean secondary, EventLoop loop,
            FullHttpRequest request) {
        this.exchange = exchange;
        this.route = route;
        this.secondary = secondary;
        this.upstream = secondary ? route.secondary() : route.upstream();
        this.loop = loop;
        this.request = request;
    }

    /** Starts the call; runs on {@link #loop}. */
    @Override
    public void run() {
        startNanos = System.nanoTime();
        deadline = loop.schedule(this::timedOut, route.timeoutNanos(), TimeUnit.NANOSECONDS);
        attempt();
    }

    /** The proxy stopped before the call could start. */
    void cancel() {
        if (!done) {
            done = true;
            release();
            abandonPermit();
            report(ShadowExchange.Side.skipped(SkipReason.SHUTTING_DOWN));
        }
    }

    private void attempt() {
        attempts++;
        Future<UpstreamConnection> f = upstream.pool(loop).acquire();
        if (f.isDone()) {
            onAcquired(f);
        } else {
            acquiring = f;
            f.addListener(this::onAcquired);
        }
    }

    private void onAcquired(Future<? super UpstreamConnection> f) {
        acquiring = null;
        if (done) {
            // The call timed out while connecting. The connection was made on its behalf, so it is closed rather
            // than pooled, and only then is the call's permit returned.
            if (f.isSuccess()) {
                closing = ((UpstreamConnection) f.getNow()).channel();
                UpstreamConnection.closeNow(closing);
            }
            Runnable release = deferredRelease;
            deferredRelease = null;
            if (release != null) {
                afterClose(release);
            }
            return;
        }
        if (!f.isSuccess()) {
            failed(f.cause() instanceof UpstreamAcquireException e ? ShadowFailure.of(e.error())
                    : ShadowFailure.REFUSED);
            return;
        }
        connection = (UpstreamConnection) f.getNow();
        capture = new ResponseCapture(route.policy().maxBodyBytes());
        connection.send(request.retainedDuplicate(), this);
    }

    @Override
    public void onHead(HttpResponse head) {
        capture.head(head);
    }

    @Override
    public void onContent(HttpContent content) {
        boolean kept = capture.content(content.content());
        content.release();
        if (!kept) {
            tooLarge();
        }
    }

    @Override
    public void onEnd(LastHttpContent last) {
        connection = null;
        boolean kept = capture.content(last.content());
        last.release();
        if (!kept) {
            tooLarge();
            return;
        }
        if (done) {
            return;
        }
        done = true;
        long nanos = end();
        int status = capture.status();
        releasePermit(nanos, status >= 500 ? ShadowFailure.SERVER_ERROR : null);
        route.meters().shadowCall(upstream.id(), status, nanos);
        report(ShadowExchange.Side.of(capture.observation(Duration.ofNanos(nanos)), capture.size()));
    }

    @Override
    public void onReadComplete() {
        // Nothing is forwarded anywhere, so there is nothing to flush.
    }

    @Override
    public void onFailure(ProxyError error, boolean afterHead, boolean retryable) {
        Channel failedOn = connection == null ? null : connection.channel();
        connection = null;
        if (done) {
            return;
        }
        if (retryable && attempts < 2) {
            // A pooled connection the shadow side had closed: one fresh try, as for served requests.
            attempt();
        } else {
            // The connection is closing already; keep the permit until it has.
            closing = failedOn;
            failed(ShadowFailure.of(error));
        }
    }

    private void timedOut() {
        deadline = null;
        if (done) {
            return;
        }
        abortConnection();
        failed(ShadowFailure.TIMEOUT);
    }

    /** The response is over the limit: stop reading it (closing is cheaper than draining it) and skip. */
    private void tooLarge() {
        abortConnection();
        if (done) {
            return;
        }
        done = true;
        long nanos = end();
        // The shadow side did answer; its size says nothing about its health.
        afterClose(() -> releasePermit(nanos, null));
        route.meters().shadowCall(upstream.id(), capture.status(), nanos);
        report(ShadowExchange.Side.skipped(SkipReason.BODY_TOO_LARGE));
    }

    private void failed(ShadowFailure failure) {
        done = true;
        long nanos = end();
        if (failure == ShadowFailure.SHUTTING_DOWN) {
            abandonPermit();
            report(ShadowExchange.Side.skipped(SkipReason.SHUTTING_DOWN));
            return;
        }
        afterClose(() -> releasePermit(nanos, failure));
        route.meters().shadowCall(upstream.id(), 0, nanos);
        report(ShadowExchange.Side.failed(failure, Duration.ofNanos(nanos)));
    }

    /** Returns the call's permit and tells the breaker how the shadow side did ({@code failure} null: it answered). */
    private void releasePermit(long nanos, ShadowFailure failure) {
        if (secondary) {
            route.guards().secondaryDone();
        } else if (failure == null) {
            route.guards().succeeded(nanos);
        } else {
            route.guards().failed(nanos, failure);
        }
    }

    /** Returns the permit of a call that says nothing about the shadow side's health (never made, or cut short). */
    private void abandonPermit() {
        if (secondary) {
            route.guards().secondaryDone();
        } else {
            route.guards().abandoned();
        }
    }

    private void report(ShadowExchange.Side side) {
        if (secondary) {
            exchange.secondaryEnded(side);
        } else {
            exchange.shadowEnded(side);
        }
    }

    /**
     * Closes the connection of a call we give up on. The call's bulkhead permit is only returned once the socket
     * is closed (see {@link #afterClose}), so open shadow connections never outnumber {@code maxConcurrent}.
     */
    private void abortConnection() {
        if (connection != null) {
            closing = connection.channel();
            connection.abort();
            connection = null;
        }
    }

    /**
     * Runs {@code release} (which returns the bulkhead permit) once the call holds no socket: after a pending
     * connect has ended, and after a connection we gave up on has closed.
     */
    private void afterClose(Runnable release) {
        if (acquiring != null) {
            deferredRelease = release;
        } else if (closing == null || !closing.isOpen()) {
            release.run();
        } else {
            closing.closeFuture().addListener(f -> release.run());
        }
    }

    private long end() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
        release();
        return System.nanoTime() - startNanos;
    }

    private void release() {
        if (request != null) {
            request.release();
            request = null;
        }
    }
}
