package io.strangler.proxy.inbound;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.Future;
import io.strangler.proxy.exchange.ErrorResponses;
import io.strangler.proxy.exchange.HopByHop;
import io.strangler.proxy.exchange.ProxyError;
import io.strangler.proxy.exchange.RequestIds;
import io.strangler.proxy.record.ExchangeRecording;
import io.strangler.proxy.record.Recorder;
import io.strangler.proxy.routing.Route;
import io.strangler.proxy.shadow.ResponseCapture;
import io.strangler.proxy.shadow.ShadowExchange;
import io.strangler.proxy.shadow.ShadowRoute;
import io.strangler.proxy.shadow.SkipReason;
import io.strangler.toggles.Decision;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import io.strangler.proxy.upstream.Upstream;
import io.strangler.proxy.upstream.UpstreamAcquireException;
import io.strangler.proxy.upstream.UpstreamConnection;
import io.strangler.proxy.upstream.UpstreamResponseListener;

/**
 * One client request proxied to one upstream: acquire a pooled connection, send the request, stream the response
 * back as it arrives (pausing the upstream while the client cannot keep up), then hand the connection back.
 *
 * <p>When the route shadows, the request is also handed to the shadow side before the served call starts, and the
 * served response is captured (copied, up to the size limit) as it streams past, then reported to the
 * {@link ShadowExchange}. Nothing here waits for the shadow side.
 *
 * <p>The exchange owns the aggregated client request and releases it when it ends. A new instance per request;
 * confined to the client channel's event loop, which is also the upstream connection's.
 */
final class Exchange implements UpstreamResponseListener {

    static final AsciiString SERVED_BY = AsciiString.cached("x-strangler-served-by");
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    private static final String VIA_SELF = "1.1 strangler";
    private static final AsciiString LEGACY = AsciiString.cached("legacy");
    private static final AsciiString CANDIDATE = AsciiString.cached("candidate");
    // Headers we copy from an already-validated request need no second validation.
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private final InboundExchangeHandler owner;
    private final ChannelHandlerContext ctx;
    private final Route route;
    private final Decision decision;
    private Upstream upstream;
    private boolean fellBack;
    private final FullHttpRequest request;
    private final String target;
    private final String requestId;
    private final String clientAddress;
    private final HttpVersion clientVersion;
    private final boolean clientKeepAlive;
    private final boolean head;
    private boolean keepAlive;
    private int attempts;
    private final long startNanos;
    private HttpHeaders forwarded;
    private UpstreamConnection connection;
    private ShadowExchange shadow;
    private ResponseCapture capture;
    private ExchangeRecording recording;
    private int status;
    private boolean done;
    /**
     * The response head, held until the first piece of body, the end of the read, or the end of the response:
     * a small response then goes to the client as one message, which the encoder writes as one buffer.
     */
    private HttpResponse pendingHead;

    Exchange(InboundExchangeHandler owner, ChannelHandlerContext ctx, Route route, Decision decision,
            FullHttpRequest request, String target, String requestId, String clientAddress) {
        this.owner = owner;
        this.ctx = ctx;
        this.route = route;
        this.decision = decision;
        this.upstream = decision.servedByCandidate() ? route.candidate().orElseThrow() : route.legacy();
        this.request = request;
        this.target = target;
        this.requestId = requestId;
        this.clientAddress = clientAddress;
        this.clientVersion = request.protocolVersion();
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.head = HttpMethod.HEAD.equals(request.method());
        this.startNanos = System.nanoTime();
    }

    /** Sends the request on: to the shadow side if the route says so, and to the served side. */
    void begin() {
        forwarded = forwardedHeaders();
        start();
        // The served request goes out first; the copy for the other side is made while it is on its way (its
        // response is read on this thread, so it cannot arrive before the capture below is in place). Not when
        // the served side already ended or fell back: there is nothing to compare with then.
        Optional<ShadowRoute> other = decision.servedByCandidate() ? route.legacyShadow() : route.shadow();
        if (!done && !fellBack && decision.shadow() && other.isPresent()) {
            ShadowRoute sr = other.get();
            shadow = sr.dispatch(request, target, forwarded, requestId, route.config().preserveHost());
            if (shadow != null) {
                capture = shadow.newCapture();
            }
        }
        // Recorded for replay: requests legacy serves, with its answer.
        if (!done && !fellBack && upstream == route.legacy() && route.recorder().isPresent()) {
            Recorder rec = route.recorder().get();
            // A copy skipped because the circuit is open: the candidate cannot take it, so keep it for later.
            // (Copies that fail because the candidate is unreachable are recorded from their shadow result.)
            boolean all = rec.recordsAll();
            boolean unavailable = rec.whenCandidateUnavailable() && shadow == null && decision.shadow()
                    && other.isPresent() && other.get().circuitOpen();
            if (all || unavailable) {
                recording = ExchangeRecording.start(rec, route.id(), requestId, request, startNanos,
                        all ? "sampled" : "candidate_unavailable");
            }
        }
    }

    private void start() {
        attempts++;
        Future<UpstreamConnection> f = upstream.pool(ctx.channel().eventLoop()).acquire();
        if (f.isDone()) {
            onAcquired(f);
        } else {
            f.addListener(this::onAcquired);
        }
    }

    private void onAcquired(Future<? super UpstreamConnection> f) {
        if (done) {
            if (f.isSuccess()) {
                ((UpstreamConnection) f.getNow()).recycle();
            }
            return;
        }
        if (!f.isSuccess()) {
            Throwable cause = f.cause();
            ProxyError error = cause instanceof UpstreamAcquireException e ? e.error() : ProxyError.UPSTREAM_REFUSED;
            if (!fallBackToLegacy(error.tag())) {
                respondError(error);
            }
            return;
        }
        connection = (UpstreamConnection) f.getNow();
        connection.send(upstreamRequest(), this);
    }

    private FullHttpRequest upstreamRequest() {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method(), target,
                request.content().retainedDuplicate(), forwarded, HEADERS.newEmptyHeaders());
    }

    /**
     * The headers as the upstream gets them: hop-by-hop headers and {@code Expect} out, forwarding headers in
     * ({@code Host} unless preserved, {@code X-Forwarded-For/-Proto/-Host}, {@code Via}, the request id), and
     * {@code Content-Length} as the aggregated body has it. One pass over the client's headers copies what stays
     * and notes what we replace; ours are appended in a fixed order (per request this replaced a copy followed by
     * a dozen lookups, removals and re-insertions).
     */
    private HttpHeaders forwardedHeaders() {
        HttpHeaders in = request.headers();
        HttpHeaders h = HEADERS.newHeaders();
        boolean preserveHost = route.config().preserveHost();
        String clientHost = null;
        String forwardedFor = null;
        String via = null;
        boolean hasProto = false;
        boolean hasForwardedHost = false;
        boolean hopByHop = false;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            switch (Replaced.of(name)) {
                case HOST -> {
                    if (clientHost == null) {
                        clientHost = e.getValue().toString();
                    }
                    if (preserveHost) {
                        h.add(name, e.getValue());
                    }
                }
                case FORWARDED_FOR -> {
                    if (forwardedFor == null) {
                        forwardedFor = e.getValue().toString();
                    }
                }
                case VIA -> {
                    if (via == null) {
                        via = e.getValue().toString();
                    }
                }
                case FORWARDED_PROTO -> {
                    hasProto = true;
                    h.add(name, e.getValue());
                }
                case FORWARDED_HOST -> {
                    hasForwardedHost = true;
                    h.add(name, e.getValue());
                }
                case DROPPED -> {
                    // Expect, the request id and Content-Length: dropped here, ours follow below.
                }
                case OTHER -> {
                    hopByHop |= HopByHop.isFixed(name);
                    h.add(name, e.getValue());
                }
            }
        }
        if (hopByHop) {
            HopByHop.strip(h);
            // Connection may have named one of these as hop-by-hop: then it is gone, and ours goes in.
            hasProto = h.contains(X_FORWARDED_PROTO);
            hasForwardedHost = h.contains(X_FORWARDED_HOST);
        }
        if (!preserveHost || clientHost == null) {
            h.add(HttpHeaderNames.HOST, upstream.config().hostHeader());
        }
        h.add(X_FORWARDED_FOR, forwardedFor == null ? clientAddress : forwardedFor + ", " + clientAddress);
        if (!hasProto) {
            h.add(X_FORWARDED_PROTO, "http");
        }
        if (clientHost != null && !hasForwardedHost) {
            h.add(X_FORWARDED_HOST, clientHost);
        }
        h.add(HttpHeaderNames.VIA, via == null ? VIA_SELF : via + ", " + VIA_SELF);
        h.add(RequestIds.HEADER, requestId);
        int length = request.content().readableBytes();
        // The aggregator adds "Content-Length: 0" to some bodiless requests; a GET should not grow one.
        if (length != 0 || carriesBody(request.method())) {
            h.addInt(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        return h;
    }

    /** What {@link #forwardedHeaders()} does with a client header, by its name (any case). */
    private enum Replaced {
        HOST, FORWARDED_FOR, VIA, FORWARDED_PROTO, FORWARDED_HOST, DROPPED, OTHER;

        static Replaced of(CharSequence name) {
            return switch (name.length()) {
                case 4 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST) ? HOST
                        : AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.VIA) ? VIA : OTHER;
                case 6 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.EXPECT) ? DROPPED : OTHER;
                case 12 -> AsciiString.contentEqualsIgnoreCase(name, RequestIds.HEADER) ? DROPPED : OTHER;
                case 14 -> AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH) ? DROPPED : OTHER;
                case 15 -> AsciiString.contentEqualsIgnoreCase(name, X_FORWARDED_FOR) ? FORWARDED_FOR : OTHER;
                case 16 -> AsciiString.contentEqualsIgnoreCase(name, X_FORWARDED_HOST) ? FORWARDED_HOST : OTHER;
                case 17 -> AsciiString.contentEqualsIgnoreCase(name, X_FORWARDED_PROTO) ? FORWARDED_PROTO : OTHER;
                default -> OTHER;
            };
        }
    }

    private static boolean carriesBody(HttpMethod method) {
        return HttpMethod.POST.equals(method) || HttpMethod.PUT.equals(method) || HttpMethod.PATCH.equals(method);
    }

    /** Methods that may be sent twice without changing the outcome (RFC 9110 section 9.2.2). */
    private static boolean isIdempotent(HttpMethod m) {
        return HttpMethod.GET.equals(m) || HttpMethod.HEAD.equals(m) || HttpMethod.OPTIONS.equals(m)
                || HttpMethod.PUT.equals(m) || HttpMethod.DELETE.equals(m) || HttpMethod.TRACE.equals(m);
    }

    @Override
    public void onHead(HttpResponse upstreamHead) {
        if (upstream != route.legacy()) {
            route.rollback().ifPresent(w -> w.answered(upstreamHead.status().code(), System.nanoTime() - startNanos));
        }
        if (upstreamHead.status().code() >= 500 && route.config().fallbackOn5xx() && upstream != route.legacy()
                && !fellBack && isSafe(request.method())) {
            // Nothing went to the client yet: drop the candidate's 5xx (and its connection) and ask legacy.
            UpstreamConnection c = connection;
            connection = null;
            c.abort();
            fallBackToLegacy("candidate_5xx");
            return;
        }
        if (capture != null) {
            capture.head(upstreamHead);
        }
        if (recording != null) {
            recording.head(upstreamHead);
        }
        HttpHeaders h = upstreamHead.headers();
        boolean hasLength = HttpUtil.isContentLengthSet(upstreamHead);
        boolean chunked = HttpUtil.isTransferEncodingChunked(upstreamHead);
        status = upstreamHead.status().code();
        boolean bodiless = head || status == 204 || status == 304;
        HopByHop.strip(h);
        boolean closeDelimited = false;
        if (!hasLength && !bodiless) {
            if (clientVersion.equals(HttpVersion.HTTP_1_1)) {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                closeDelimited = true;
            }
        } else if (head && chunked && !hasLength && clientVersion.equals(HttpVersion.HTTP_1_1)) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        String via = h.get(HttpHeaderNames.VIA);
        h.set(HttpHeaderNames.VIA, via == null ? VIA_SELF : via + ", " + VIA_SELF);
        if (route.config().servedByHeader()) {
            h.set(SERVED_BY, upstream == route.legacy() ? LEGACY : CANDIDATE);
        }
        keepAlive = clientKeepAlive && !closeDelimited && !owner.closeRequested();
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!clientVersion.isKeepAliveDefault()) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        pendingHead = new DefaultHttpResponse(clientVersion, upstreamHead.status(), h);
    }

    private void writeHead() {
        if (pendingHead != null) {
            ctx.write(pendingHead, ctx.voidPromise());
            pendingHead = null;
        }
    }

    @Override
    public void onContent(HttpContent content) {
        if (capture != null) {
            capture.content(content.content());
        }
        if (recording != null && !recording.content(content.content())) {
            recording = null;
        }
        writeHead();
        ctx.write(content, ctx.voidPromise());
        if (!ctx.channel().isWritable()) {
            connection.pauseReading();
        }
    }

    @Override
    public void onReadComplete() {
        writeHead();
        ctx.flush();
    }

    @Override
    public void onEnd(LastHttpContent last) {
        connection = null;
        if (capture != null) {
            capture.content(last.content());
            shadow.servedCompleted(capture, System.nanoTime() - startNanos);
            capture = null;
        }
        if (recording != null) {
            if (recording.content(last.content())) {
                recording.finish();
            }
            recording = null;
        }
        boolean reuse = keepAlive;
        Object out = last;
        if (pendingHead != null) {
            // The whole response came in one read: head, body and trailers as one message (it owns the body now).
            out = new DefaultFullHttpResponse(pendingHead.protocolVersion(), pendingHead.status(), last.content(),
                    pendingHead.headers(), last.trailingHeaders());
            pendingHead = null;
        }
        ctx.writeAndFlush(out).addListener((ChannelFutureListener) f -> finish(f.isSuccess() && reuse));
    }

    @Override
    public void onFailure(ProxyError error, boolean afterHead, boolean retryable) {
        connection = null;
        if (done) {
            return;
        }
        if (afterHead) {
            // Part of the response is out: closing is the only honest way to say the body is incomplete.
            if (shadow != null) {
                shadow.servedFailed(error, System.nanoTime() - startNanos);
            }
            writeHead();
            ctx.flush();
            ctx.close();
            finish(false);
        } else if (retryable && attempts < 2 && isIdempotent(request.method())) {
            // A reused keep-alive connection was closed by the upstream just as we sent on it: try a fresh one.
            start();
        } else if (!fallBackToLegacy(error.tag())) {
            respondError(error);
        }
    }

    /** The client can take more: read from the upstream again. */
    void clientWritable() {
        if (connection != null) {
            connection.resumeReading();
        }
    }

    /** The client connection closed before the response ended. */
    void clientGone() {
        if (done) {
            return;
        }
        if (connection != null) {
            connection.abort();
            connection = null;
        }
        pendingHead = null; // nothing to release: a head holds no buffers
        finish(false);
    }

    /**
     * The candidate failed a safe request it was serving before any byte reached the client: serve legacy's answer
     * instead. Returns false when that does not apply (legacy serving, unsafe method, already fallen back).
     */
    private boolean fallBackToLegacy(String why) {
        if (upstream != route.legacy() && !why.equals("candidate_5xx")) {
            // No answer at all from the candidate: that counts against it, whether or not legacy steps in.
            route.rollback().ifPresent(w -> w.failed(System.nanoTime() - startNanos));
        }
        if (fellBack || upstream == route.legacy() || !isSafe(request.method())) {
            return false;
        }
        fellBack = true;
        route.meters().fallback(why);
        if (shadow != null) {
            shadow.servedSkipped(SkipReason.FALLBACK);
            shadow = null;
            capture = null;
        }
        upstream = route.legacy();
        attempts = 0;
        forwarded = forwardedHeaders();
        start();
        return true;
    }

    private static boolean isSafe(HttpMethod m) {
        return HttpMethod.GET.equals(m) || HttpMethod.HEAD.equals(m) || HttpMethod.OPTIONS.equals(m);
    }

    private void respondError(ProxyError error) {
        if (shadow != null) {
            shadow.servedFailed(error, System.nanoTime() - startNanos);
        }
        status = error.status().code();
        boolean reuse = clientKeepAlive && !owner.closeRequested();
        ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), error, route.id(), requestId, reuse))
                .addListener((ChannelFutureListener) f -> finish(f.isSuccess() && reuse));
    }

    private void finish(boolean reuseClientConnection) {
        if (done) {
            return;
        }
        done = true;
        request.release();
        if (shadow != null) {
            // Ended without a whole served response to compare (the client left); a no-op if already reported.
            shadow.servedSkipped(SkipReason.CLIENT_GONE);
        }
        long now = System.nanoTime();
        route.meters().served(upstream.id(), status, now - startNanos);
        owner.exchangeFinished(reuseClientConnection, now);
    }
}
