package io.strangler.proxy.record;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One served exchange being recorded: a copy of the client's request, then legacy's answer as it streams past, up
 * to the route's {@code maxBytes} in all. Confined to the client's event loop; it only copies bytes, and the record
 * goes to the writer thread with {@link Recorder#offer}.
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
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private long room;
    private int status;
    private Map<String, List<String>> responseHeaders = Map.of();

    private ExchangeRecording(Recorder recorder, String route, String requestId, FullHttpRequest request,
            long startNanos, String reason) {
        this.recorder = recorder;
        this.reason = reason;
        this.at = Instant.now();
        this.route = route;
        this.requestId = requestId;
        this.method = request.method().name();
        this.target = request.uri();
        this.requestHeaders = copy(request.headers());
        ByteBuf content = request.content();
        this.requestBody = new byte[content.readableBytes()];
        content.getBytes(content.readerIndex(), requestBody);
        this.startNanos = startNanos;
        this.room = recorder.maxBytes() - requestBody.length;
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
    public void head(HttpResponse response) {
        status = response.status().code();
        responseHeaders = copy(response.headers());
    }

    /**
     * A piece of legacy's body (not consumed). Returns false once the bodies exceed {@code maxBytes}: the record is
     * then counted as too large and the caller drops this recording.
     */
    public boolean content(ByteBuf piece) {
        int n = piece.readableBytes();
        if (n > room) {
            recorder.tooLarge();
            return false;
        }
        room -= n;
        if (n > 0) {
            byte[] bytes = new byte[n];
            piece.getBytes(piece.readerIndex(), bytes);
            body.write(bytes, 0, n);
        }
        return true;
    }

    private static Map<String, List<String>> copy(HttpHeaders headers) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : headers) {
            out.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(e.getValue());
        }
        return out;
    }

    /** The response ended: hand the record to the writer. */
    public void finish() {
        recorder.offer(new CaptureRecord(at, route, requestId, method, target, requestHeaders, requestBody, status,
                responseHeaders, body.toByteArray(), (System.nanoTime() - startNanos) / 1000, reason));
    }
}
