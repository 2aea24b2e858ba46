package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import io.strangler.comparator.CompareRules;
import java.util.Optional;
import java.util.Set;

/**
 * One route: which requests it takes and which upstreams serve them.
 *
 * @param id unique route id, used in metrics, reports and the admin API
 * @param pathPrefix requests whose path starts with this prefix (on a segment boundary) match; longest wins
 * @param methods the methods the route takes; empty means all
 * @param host the {@code Host} the route takes (port ignored, case-insensitive); empty means any
 * @param legacy id of the legacy upstream
 * @param candidate id of the candidate upstream, if the route has one yet
 * @param mode the route's initial mode
 * @param preserveHost send the client's {@code Host} to the upstream instead of the upstream's own
 * @param servedByHeader add {@code X-Strangler-Served-By} to responses
 * @param shadow which requests are shadowed and how many shadow calls may be in flight
 * @param circuitBreaker when shadow calls stop because the shadow side fails or is slow
 * @param compare how the two responses are compared
 * @param pilot how pilot users are recognised, and the initial pilot users and percentage
 * @param fallbackOn5xx in pilot and candidate modes, serve legacy's answer when the candidate answers a safe
 *     request with 5xx (connect errors and timeouts fall back always)
 * @param record whether and how the route's traffic is recorded for replay
 */
public record RouteConfig(
        String id,
        String pathPrefix,
        Set<String> methods,
        Optional<String> host,
        String legacy,
        Optional<String> candidate,
        RouteMode mode,
        boolean preserveHost,
        boolean servedByHeader,
        ShadowPolicy shadow,
        CircuitBreakerPolicy circuitBreaker,
        CompareRules compare,
        PilotConfig pilot,
        boolean fallbackOn5xx,
        RecordPolicy record) {

    public RouteConfig {
        requireNonNull(id, "id");
        requireNonNull(pathPrefix, "pathPrefix");
        methods = Set.copyOf(requireNonNull(methods, "methods"));
        requireNonNull(host, "host");
        requireNonNull(legacy, "legacy");
        requireNonNull(candidate, "candidate");
        requireNonNull(mode, "mode");
        requireNonNull(shadow, "shadow");
        requireNonNull(circuitBreaker, "circuitBreaker");
        requireNonNull(compare, "compare");
        requireNonNull(pilot, "pilot");
        requireNonNull(record, "record");
    }
}
