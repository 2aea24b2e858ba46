package io.strangler.proxy.record;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One recorded exchange: the request as the client sent it and legacy's answer, as they are written to a capture
 * file (after redaction) and read back for replay.
 *
 * @param at when the request arrived
 * @param route the route that took it
 * @param requestId the request's {@code X-Request-Id}
 * @param method the request method
 * @param target the path and query
 * @param requestHeaders the request headers (hop-by-hop headers already removed)
 * @param requestBody the request body
 * @param status legacy's status
 * @param responseHeaders legacy's headers
 * @param responseBody legacy's body
 * @param durationMicros how long legacy took, in microseconds
 * @param reason why it was recorded: {@code sampled} or {@code candidate_unavailable}
 */
public record CaptureRecord(Instant at, String route, String requestId, String method, String target,
        Map<String, List<String>> requestHeaders, byte[] requestBody, int status,
        Map<String, List<String>> responseHeaders, byte[] responseBody, long durationMicros, String reason) {

    public CaptureRecord {
        requireNonNull(at, "at");
        requireNonNull(route, "route");
        requireNonNull(requestId, "requestId");
        requireNonNull(method, "method");
        requireNonNull(target, "target");
        requestHeaders = Map.copyOf(requestHeaders);
        requireNonNull(requestBody, "requestBody");
        responseHeaders = Map.copyOf(responseHeaders);
        requireNonNull(responseBody, "responseBody");
        requireNonNull(reason, "reason");
    }

    /** Bytes this record holds in bodies, the part that can be large. */
    public long bodyBytes() {
        return (long) requestBody.length + responseBody.length;
    }
}
