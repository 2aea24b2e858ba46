package io.strangler.proxy.record;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.strangler.comparator.Observation;
import io.strangler.proxy.exchange.HeaderMaps;
import io.strangler.proxy.shadow.ResponseCapture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One served exchange being recorded: a copy of the client's request, then legacy's answer as it streams past
 * (captured like a shadow comparison's, by {@link ResponseCapture}), up to the route's {@code maxBytes} in all.
 * Confined to the client's event loop; it only copies bytes, and the record goes to the writer thread with
 * {@link Recorder#offer}.
 */
public final class ExchangeRecording {

    private final Recorder recorder;
    private final Instant at;
    private final String route;
    private final String requestId;
    private final String method;
    private final String target;
    private final Map<String, List<String>> requestHeaders;
    private final byte[] requestBody;
    private final long startNanos;
    private final String reason;
    private final ResponseCapture response;

    private ExchangeRecording(Recorder recorder, String route, String requestId, FullHttpRequest request,
            long startNanos, String reason) {
        this.recorder = recorder;
        this.reason = reason;
        this.at = Instant.now();
        this.route = route;
        this.requestId = requestId;
        this.method = request.method().name();
        this.target = request.uri();
        this.requestHeaders = HeaderMaps.lowerCased(request.headers());
        ByteBuf content = request.content();
        this.requestBody = new byte[content.readableBytes()];
        content.getBytes(content.readerIndex(), requestBody);
        this.startNanos = startNanos;
        this.response = new ResponseCapture((int) Math.min(Integer.MAX_VALUE,
                recorder.maxBytes() - requestBody.length));
    }

    /**
     * Starts recording {@code request} ({@code reason}: {@code sampled} or {@code candidate_unavailable}), or
     * returns null when the route does not want it (sampling, size).
     */
    public static ExchangeRecording start(Recorder recorder, String route, String requestId, FullHttpRequest request,
            long startNanos, String reason) {
        return recorder.wants(request.content().readableBytes())
                ? new ExchangeRecording(recorder, route, requestId, request, startNanos, reason) : null;
    }

    /** Legacy's response head. */
    public void head(HttpResponse head) {
        response.head(head);
    }

    /**
     * A piece of legacy's body (not consumed). Returns false once the bodies exceed {@code maxBytes}: the record is
     * then counted as too large and the caller drops this recording.
     */
    public boolean content(ByteBuf piece) {
        if (!response.content(piece)) {
            recorder.tooLarge();
            return false;
        }
        return true;
    }

    /** The response ended: hand the record to the writer. */
    public void finish() {
        long nanos = System.nanoTime() - startNanos;
        Observation legacy = response.observation(Duration.ofNanos(nanos));
        recorder.offer(new CaptureRecord(at, route, requestId, method, target, requestHeaders, requestBody,
                legacy.status(), legacy.headers(), legacy.body().toByteArray(), nanos / 1000, reason));
    }
}
