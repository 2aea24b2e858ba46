package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * When a route stops sending shadow calls to a failing or slow shadow upstream, and how it tries again. The
 * breaker looks at the last {@code slidingWindowSize} calls; once at least {@code minimumCalls} were made and
 * either rate is reached it opens, skips every shadow call for {@code waitInOpenState}, then lets
 * {@code halfOpenCalls} probes through and closes again if they do well.
 *
 * @param failureRateThreshold percentage of failed calls (connect errors, timeouts, resets, malformed responses,
 *     5xx) that opens the breaker
 * @param slowCallThreshold a call slower than this counts as slow
 * @param slowCallRateThreshold percentage of slow calls that opens the breaker
 * @param waitInOpenState how long the breaker stays open before probing
 * @param slidingWindowSize calls the rates are computed over
 * @param minimumCalls calls needed before the rates count
 * @param halfOpenCalls probe calls let through when half open
 */
public record CircuitBreakerPolicy(float failureRateThreshold, Duration slowCallThreshold, float slowCallRateThreshold,
        Duration waitInOpenState, int slidingWindowSize, int minimumCalls, int halfOpenCalls) {

    public CircuitBreakerPolicy {
        requireNonNull(slowCallThreshold, "slowCallThreshold");
        requireNonNull(waitInOpenState, "waitInOpenState");
    }

    public static CircuitBreakerPolicy defaults() {
        return new CircuitBreakerPolicy(50, Duration.ofSeconds(2), 50, Duration.ofSeconds(30), 100, 20, 5);
    }
}
