package io.strangler.proxy.shadow;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.TimeUnit;

/**
 * The bulkhead and circuit breaker of one route's shadow calls. Neither ever waits: a permit is taken or the call
 * is skipped, so the event loop that asks is never held up.
 *
 * <p>Thread-safe. Every successful {@link #tryAcquire()} must be followed by exactly one of {@link #succeeded},
 * {@link #failed} or {@link #abandoned}, and every successful {@link #tryAcquireSecondary()} by
 * {@link #secondaryDone()}, from any thread.
 */
final class ShadowGuards {

    private final Bulkhead bulkhead;
    private final CircuitBreaker breaker;

    ShadowGuards(Bulkhead bulkhead, CircuitBreaker breaker) {
        this.bulkhead = bulkhead;
        this.breaker = breaker;
    }

    /** Takes a bulkhead permit, then a breaker permit; null on success, else why not (and nothing is held). */
    SkipReason tryAcquire() {
        if (!bulkhead.tryAcquirePermission()) {
            return SkipReason.BULKHEAD_FULL;
        }
        if (!breaker.tryAcquirePermission()) {
            bulkhead.onComplete();
            return SkipReason.CIRCUIT_OPEN;
        }
        return null;
    }

    /**
     * A bulkhead permit for a secondary legacy call. The breaker is not asked: it guards the candidate, and legacy
     * calls must not change its state.
     */
    /** True while the breaker refuses calls (open, or forced open). */
    boolean circuitOpen() {
        CircuitBreaker.State s = breaker.getState();
        return s == CircuitBreaker.State.OPEN || s == CircuitBreaker.State.FORCED_OPEN;
    }

    boolean tryAcquireSecondary() {
        return bulkhead.tryAcquirePermission();
    }

    /** A secondary legacy call ended, however it ended. */
    void secondaryDone() {
        bulkhead.onComplete();
    }

    /** The call got a response; a slow one still counts towards the slow-call rate. */
    void succeeded(long nanos) {
        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        bulkhead.onComplete();
    }

    void failed(long nanos, ShadowFailure failure) {
        breaker.onError(nanos, TimeUnit.NANOSECONDS, failure.exception());
        bulkhead.onComplete();
    }

    /** The call was never made or was cut by shutdown: it says nothing about the shadow side's health. */
    void abandoned() {
        breaker.releasePermission();
        bulkhead.onComplete();
    }

    int inFlight() {
        return bulkhead.getBulkheadConfig().getMaxConcurrentCalls()
                - bulkhead.getMetrics().getAvailableConcurrentCalls();
    }
}
