package io.strangler.proxy.shadow;

import io.strangler.comparator.ComparedRequest;
import io.strangler.comparator.Observation;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the halves of one shadowed request meet: the served side reports from the client's event loop, the
 * shadow side (and the secondary legacy call, if any) from a shadow event loop, and whichever arrives last hands
 * them to the dispatcher, which always goes on on the exchange's shadow loop. No side ever waits for another.
 *
 * <p>Thread-safe. Each side reports once; later reports from the same side are ignored, so the served path may
 * report defensively when it ends. Each side's field is written only by its own thread before the countdown, and
 * read only after the countdown reached zero, which orders the write before the read.
 */
public final class ShadowExchange {

    /** One side's end: an observation, or a reason it has none. */
    record Side(Observation observation, SkipReason skipped, ShadowFailure failure, int bytes) {

        static Side of(Observation observation, int bytes) {
            return new Side(observation, null, null, bytes);
        }

        static Side skipped(SkipReason reason) {
            return new Side(null, reason, null, 0);
        }

        static Side failed(ShadowFailure failure, Duration duration) {
            return new Side(Observation.failed(failure.tag(), duration), null, failure, 0);
        }
    }

    private final ShadowDispatcher dispatcher;
    private final io.netty.channel.EventLoop loop;
    private final ShadowRoute route;
    private final ComparedRequest request;
    private final String target;
    private final io.netty.handler.codec.http.HttpHeaders headers;
    private final byte[] body;
    private final String requestId;
    private final Instant at;
    private final AtomicInteger pending;
    private Side served;
    private Side shadow;
    private Side secondary;

    /** @param withSecondary true if a secondary legacy call was sent too, so three sides report */
    ShadowExchange(ShadowDispatcher dispatcher, io.netty.channel.EventLoop loop, ShadowRoute route,
            ComparedRequest request, String target, io.netty.handler.codec.http.HttpHeaders headers, byte[] body,
            String requestId, Instant at, boolean withSecondary) {
        this.dispatcher = dispatcher;
        this.loop = loop;
        this.route = route;
        this.request = request;
        this.target = target;
        this.headers = headers;
        this.body = body;
        this.requestId = requestId;
        this.at = at;
        this.pending = new AtomicInteger(withSecondary ? 3 : 2);
    }

    /** A capture for the served response, to feed while it streams to the client. */
    public ResponseCapture newCapture() {
        return new ResponseCapture(route.policy().maxBodyBytes());
    }

    /** The served response ended completely. */
    public void servedCompleted(ResponseCapture capture, long nanos) {
        if (served == null) {
            served = capture.overLimit() ? Side.skipped(SkipReason.BODY_TOO_LARGE)
                    : Side.of(capture.observation(Duration.ofNanos(nanos)), capture.size());
            arrive(false);
        }
    }

    /** The served call failed without a complete response. */
    public void servedFailed(io.strangler.proxy.exchange.ProxyError error, long nanos) {
        if (served == null) {
            served = Side.failed(ShadowFailure.of(error), Duration.ofNanos(nanos));
            arrive(false);
        }
    }

    /** The served response will not be whole (the client left), or it was too large to compare. */
    public void servedSkipped(SkipReason reason) {
        if (served == null) {
            served = Side.skipped(reason);
            arrive(false);
        }
    }

    /** On the shadow call's event loop (a call skipped because the loops are stopping may end elsewhere). */
    void shadowEnded(Side side) {
        if (shadow == null) {
            shadow = side;
            arrive(true);
        }
    }

    void secondaryEnded(Side side) {
        if (secondary == null) {
            secondary = side;
            arrive(true);
        }
    }

    /**
     * @param onShadowLoop the side that arrived is a shadow call, on its shadow event loop (or, when the loops were
     *     stopping, a skipped call on the thread that found that: the exchange is then only counted as skipped)
     */
    private void arrive(boolean onShadowLoop) {
        if (pending.decrementAndGet() == 0) {
            if (onShadowLoop) {
                dispatcher.complete(this);
            } else {
                // The served side came last, on a thread serving clients: hand the rest to the shadow loop, through
                // its lock-free task queue. Waking a compare thread from here would take the compare queue's lock,
                // which a background thread running at SCHED_IDLE may hold while it waits for a CPU.
                dispatcher.completeOn(loop, this);
            }
        }
    }

    ShadowRoute route() {
        return route;
    }

    ComparedRequest request() {
        return request;
    }

    /**
     * The request as forwarded. Read on a shadow loop or compare thread: the headers object is not changed after the served side
     * was sent, and the countdown orders that before this read.
     */
    ShadowResult.RecordedRequest recorded() {
        java.util.Map<String, java.util.List<String>> h = io.strangler.proxy.exchange.HeaderMaps.lowerCased(headers);
        h.replaceAll((k, v) -> java.util.List.copyOf(v));
        return new ShadowResult.RecordedRequest(request.method(), target, h,
                io.strangler.comparator.Body.ofOwned(body, false));
    }

    String requestId() {
        return requestId;
    }

    Instant at() {
        return at;
    }

    Side served() {
        return served;
    }

    Side shadow() {
        return shadow;
    }

    /** The secondary legacy call's end, or null if there was none. */
    Side secondary() {
        return secondary;
    }
}
