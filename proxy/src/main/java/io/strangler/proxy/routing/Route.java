package io.strangler.proxy.routing;

import static java.util.Objects.requireNonNull;

import io.strangler.proxy.config.RouteConfig;
import io.strangler.proxy.metrics.RouteMeters;
import io.strangler.proxy.record.Recorder;
import io.strangler.proxy.shadow.ShadowRoute;
import io.strangler.proxy.toggle.AutoRollback;
import io.strangler.proxy.upstream.Upstream;
import java.util.Optional;

/**
 * A route resolved against its upstreams: what the request path needs at run time, with no lookups left.
 *
 * @param config the route as configured
 * @param legacy the legacy upstream
 * @param candidate the candidate upstream, if the route has one
 * @param shadow the shadow machinery towards the candidate (legacy served), if the route has a candidate
 * @param legacyShadow the shadow machinery towards legacy (candidate served), if the route has a candidate
 * @param meters the route's meters
 * @param rollback watches candidate-served requests and rolls the route back to shadow when they fail
 * @param recorder keeps requests and legacy's answers for replay, when the route records
 */
public record Route(RouteConfig config, Upstream legacy, Optional<Upstream> candidate, Optional<ShadowRoute> shadow,
        Optional<ShadowRoute> legacyShadow, RouteMeters meters, Optional<AutoRollback.Watch> rollback,
        Optional<Recorder> recorder) {

    public Route {
        requireNonNull(config, "config");
        requireNonNull(legacy, "legacy");
        requireNonNull(candidate, "candidate");
        requireNonNull(shadow, "shadow");
        requireNonNull(legacyShadow, "legacyShadow");
        requireNonNull(rollback, "rollback");
        requireNonNull(meters, "meters");
        requireNonNull(recorder, "recorder");
    }

    public String id() {
        return config.id();
    }

    /** How the route recognises pilot users. */
    public io.strangler.toggles.PilotPolicy pilotPolicy() {
        return config.pilot().policy();
    }

    /** True if this route takes a request with this (lower-case, port-less) host, method and path. */
    boolean matches(String host, String method, String path) {
        RouteConfig c = config;
        if (!c.methods().isEmpty() && !c.methods().contains(method)) {
            return false;
        }
        if (c.host().isPresent() && !c.host().get().equals(host)) {
            return false;
        }
        return prefixMatches(c.pathPrefix(), path);
    }

    /**
     * Prefix match on a segment boundary: {@code /api/orders} takes {@code /api/orders}, {@code /api/orders/7} and
     * {@code /api/orders?x=1} but not {@code /api/ordersummary}, which would surprise whoever wrote the route.
     */
    static boolean prefixMatches(String prefix, String path) {
        if (!path.startsWith(prefix)) {
            return false;
        }
        if (path.length() == prefix.length() || prefix.endsWith("/")) {
            return true;
        }
        char next = path.charAt(prefix.length());
        return next == '/' || next == '?' || next == ';';
    }
}
