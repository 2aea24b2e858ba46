package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole validated configuration. Immutable: a running proxy holds one snapshot and replaces it whole.
 *
 * @param listen the live-traffic listener
 * @param upstreams upstreams by id, in file order
 * @param routes routes in file order
 * @param shadowing threads and queues shared by all shadow work
 * @param comparison endpoint grouping and noise detection, shared by all routes
 * @param store where divergences are kept; empty means in memory only (tests, embedding)
 * @param admin the admin listener; empty means none (tests, embedding)
 */
public record ProxyConfig(ListenConfig listen, Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes,
        ShadowingConfig shadowing, ComparisonConfig comparison, Optional<StoreConfig> store,
        Optional<AdminConfig> admin) {

    public ProxyConfig {
        requireNonNull(listen, "listen");
        upstreams = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(
                requireNonNull(upstreams, "upstreams")));
        routes = List.copyOf(requireNonNull(routes, "routes"));
        requireNonNull(shadowing, "shadowing");
        requireNonNull(comparison, "comparison");
        requireNonNull(store, "store");
        requireNonNull(admin, "admin");
    }

    public ProxyConfig withListen(ListenConfig newListen) {
        return new ProxyConfig(newListen, upstreams, routes, shadowing, comparison, store, admin);
    }

    public ProxyConfig withUpstreams(Map<String, UpstreamConfig> newUpstreams) {
        return new ProxyConfig(listen, newUpstreams, routes, shadowing, comparison, store, admin);
    }

    public ProxyConfig withStore(Optional<StoreConfig> newStore) {
        return new ProxyConfig(listen, upstreams, routes, shadowing, comparison, newStore, admin);
    }

    public ProxyConfig withAdmin(Optional<AdminConfig> newAdmin) {
        return new ProxyConfig(listen, upstreams, routes, shadowing, comparison, store, newAdmin);
    }
}
