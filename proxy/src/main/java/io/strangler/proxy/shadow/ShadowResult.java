package io.strangler.proxy.shadow;

import static java.util.Objects.requireNonNull;

import io.strangler.comparator.Body;
import io.strangler.comparator.ComparedRequest;
import io.strangler.comparator.Comparison;
import io.strangler.comparator.Observation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of shadowing one request, handed to {@link ShadowResultListener}s on a compare thread or
 * a shadow event loop.
 *
 * @param request route, method and path
 * @param recorded the request as forwarded (target with query, headers, body), for samples
 * @param requestId the {@code X-Request-Id} both sides got
 * @param servedBy which side the client got ({@code legacy} in shadow mode)
 * @param outcome matched, diverged, failed or skipped
 * @param reason the outcome's reason tag, as in metrics
 * @param comparison the comparison, when both sides answered
 * @param served the served side's observation, when there is one
 * @param shadow the shadow side's observation, when the shadow call was made and ended
 * @param at when the request arrived
 */
public record ShadowResult(ComparedRequest request, RecordedRequest recorded, String requestId, String servedBy, ShadowOutcome outcome,
        String reason, Optional<Comparison> comparison, Optional<Observation> served, Optional<Observation> shadow,
        Instant at) {

    public ShadowResult {
        requireNonNull(request, "request");
        requireNonNull(recorded, "recorded");
        requireNonNull(requestId, "requestId");
        requireNonNull(servedBy, "servedBy");
        requireNonNull(outcome, "outcome");
        requireNonNull(reason, "reason");
        requireNonNull(comparison, "comparison");
        requireNonNull(served, "served");
        requireNonNull(shadow, "shadow");
        requireNonNull(at, "at");
    }

    /**
     * The request as it was forwarded.
     *
     * @param method the method
     * @param target path and query
     * @param headers header names in lower case, as forwarded to the served side
     * @param body the body (bodies over the shadow size limit are never shadowed)
     */
    public record RecordedRequest(String method, String target, Map<String, List<String>> headers, Body body) {
        public RecordedRequest {
            requireNonNull(method, "method");
            requireNonNull(target, "target");
            headers = Map.copyOf(headers);
            requireNonNull(body, "body");
        }
    }
}
