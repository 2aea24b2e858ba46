package io.strangler.proxy.routing;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The routes of one config snapshot, ordered for matching: longest path prefix first, then routes that name a
 * host before those that do not, then routes that name methods, then file order. Immutable and safe to share
 * between event loops.
 */
public final class RoutingTable {

    private final Route[] ordered;
    private final List<Route> routes;

    public RoutingTable(List<Route> routes) {
        this.routes = List.copyOf(requireNonNull(routes, "routes"));
        List<Route> sorted = new ArrayList<>(this.routes);
        sorted.sort(Comparator
                .comparingInt((Route r) -> -r.config().pathPrefix().length())
                .thenComparing(r -> r.config().host().isEmpty())
                .thenComparing(r -> r.config().methods().isEmpty()));
        this.ordered = sorted.toArray(new Route[0]);
    }

    /** Routes in config order. */
    public List<Route> routes() {
        return routes;
    }

    /**
     * The route for a request, or empty when none matches.
     *
     * @param hostHeader the request's Host header, may be null
     * @param method the request method, upper case
     * @param uri the request target as sent (origin form, path and query)
     */
    public Optional<Route> match(String hostHeader, String method, String uri) {
        String host = normalizeHost(hostHeader);
        for (Route r : ordered) {
            if (r.matches(host, method, uri)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    static String normalizeHost(String hostHeader) {
        if (hostHeader == null || hostHeader.isEmpty()) {
            return "";
        }
        String h = hostHeader;
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            h = end > 0 ? h.substring(0, end + 1) : h;
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0) {
                h = h.substring(0, colon);
            }
        }
        return h.toLowerCase(Locale.ROOT);
    }
}
