package io.strangler.proxy.shadow;

import java.util.Locale;

/**
 * Why a request of a route with a candidate was not compared. Each is counted as
 * {@code strangler.shadow.outcomes{outcome="skipped", reason=<tag>}}.
 */
public enum SkipReason {
    /** The route's {@code shadow.sampleRate} left this request out. */
    NOT_SAMPLED,
    /** The method is not in the route's {@code shadow.methods} (unsafe methods are off unless listed). */
    METHOD_NOT_SHADOWED,
    /** The request or one of the responses is larger than {@code shadow.maxBodyBytes}. */
    BODY_TOO_LARGE,
    /** The route already has {@code shadow.maxConcurrent} shadow calls in flight. */
    BULKHEAD_FULL,
    /** The route's circuit breaker is open: the shadow side failed or was slow too often. */
    CIRCUIT_OPEN,
    /** The compare threads are behind: too many comparisons (or bytes) are waiting. */
    COMPARE_QUEUE_FULL,
    /** The client went away before the served response was complete, so there is nothing whole to compare. */
    CLIENT_GONE,
    /** The proxy was stopping. */
    SHUTTING_DOWN,
    /** The candidate failed a request it was serving and legacy answered instead: nothing like-for-like to compare. */
    FALLBACK;

    private final String tag = name().toLowerCase(Locale.ROOT);

    public String tag() {
        return tag;
    }
}
