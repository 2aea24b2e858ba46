package io.strangler.proxy.shadow;

import io.strangler.proxy.exchange.ProxyError;
import java.util.Locale;

/**
 * How one side's call failed, as recorded in its observation and in the outcome reason
 * ({@code candidate_timeout}, {@code legacy_reset}, ...). Each carries a stackless exception for the circuit
 * breaker, which wants a {@link Throwable} per failed call.
 */
public enum ShadowFailure {
    /** The connection was refused or could not be made. */
    REFUSED,
    /** The connection was not accepted within the upstream's {@code connectTimeout}. */
    CONNECT_TIMEOUT,
    /** No response (or no further body) within the shadow timeout or the upstream's {@code responseTimeout}. */
    TIMEOUT,
    /** The connection closed or reset before the response was complete. */
    RESET,
    /** The response was not valid HTTP/1.1. */
    MALFORMED,
    /** Every pooled connection to the upstream was busy for longer than its {@code connectTimeout}. */
    POOL_EXHAUSTED,
    /** The proxy was stopping. */
    SHUTTING_DOWN,
    /**
     * The shadow side answered 5xx. Only the circuit breaker sees this as a failure; the response itself is
     * compared like any other, so a 5xx where legacy said 200 shows up as a status divergence.
     */
    SERVER_ERROR;

    private final String tag = name().toLowerCase(Locale.ROOT);
    private final RuntimeException exception = new Failed(this);

    public String tag() {
        return tag;
    }

    RuntimeException exception() {
        return exception;
    }

    static ShadowFailure of(ProxyError error) {
        return switch (error) {
            case UPSTREAM_REFUSED -> REFUSED;
            case UPSTREAM_CONNECT_TIMEOUT -> CONNECT_TIMEOUT;
            case UPSTREAM_RESPONSE_TIMEOUT -> TIMEOUT;
            case UPSTREAM_MALFORMED -> MALFORMED;
            case UPSTREAM_POOL_EXHAUSTED -> POOL_EXHAUSTED;
            case SHUTTING_DOWN -> SHUTTING_DOWN;
            default -> RESET;
        };
    }

    /** Shared, stackless: it only tells the circuit breaker that a call failed and how. */
    private static final class Failed extends RuntimeException {
        Failed(ShadowFailure failure) {
            super("shadow call failed: " + failure.tag, null, false, false);
        }
    }
}
