package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Which requests of a route are copied to the shadow side, and how much shadow work the route may have in flight.
 *
 * @param sampleRate fraction of eligible requests shadowed, 0..1
 * @param methods methods that are shadowed; unsafe ones only when listed explicitly
 * @param maxBodyBytes requests or responses larger than this are not compared (skip reason {@code body_too_large})
 * @param maxConcurrent shadow calls in flight at most for this route (the bulkhead); beyond it: {@code bulkhead_full}
 * @param timeout longest time a shadow call may take in all; empty means the shadow upstream's
 *     {@code responseTimeout}
 * @param legacySecondary also send safe requests (GET, HEAD, OPTIONS) to legacy a second time, to measure which
 *     fields legacy itself does not repeat (config {@code compare.noise.secondary: legacy})
 */
public record ShadowPolicy(double sampleRate, Set<String> methods, int maxBodyBytes, int maxConcurrent,
        Optional<Duration> timeout, boolean legacySecondary) {

    public static final Set<String> DEFAULT_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_CONCURRENT = 64;

    public ShadowPolicy {
        if (!(sampleRate >= 0 && sampleRate <= 1)) {
            throw new IllegalArgumentException("sampleRate: " + sampleRate + " (expected: >= 0 and <= 1)");
        }
        methods = Set.copyOf(requireNonNull(methods, "methods"));
        if (maxBodyBytes < 0 || maxConcurrent < 1) {
            throw new IllegalArgumentException("maxBodyBytes, maxConcurrent: " + maxBodyBytes + ", " + maxConcurrent);
        }
        requireNonNull(timeout, "timeout");
    }

    /** The same policy with the secondary legacy call on or off. */
    public ShadowPolicy withLegacySecondary(boolean on) {
        return new ShadowPolicy(sampleRate, methods, maxBodyBytes, maxConcurrent, timeout, on);
    }

    public static ShadowPolicy defaults() {
        return new ShadowPolicy(1.0, DEFAULT_METHODS, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONCURRENT,
                Optional.empty(), false);
    }
}
