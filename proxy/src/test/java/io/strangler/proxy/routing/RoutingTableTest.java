package io.strangler.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strangler.comparator.CompareRules;
import io.strangler.proxy.Transport;
import io.strangler.proxy.config.CircuitBreakerPolicy;
import io.strangler.proxy.config.PilotConfig;
import io.strangler.proxy.config.RouteConfig;
import io.strangler.proxy.config.RouteMode;
import io.strangler.proxy.config.ShadowPolicy;
import io.strangler.proxy.config.UpstreamConfig;
import io.strangler.proxy.metrics.RouteMeters;
import io.strangler.proxy.upstream.Upstream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoutingTableTest {

    private static final Upstream LEGACY = new Upstream(UpstreamConfig.of("legacy", "127.0.0.1", 1),
            Transport.select("nio"), 1);

    private static Route route(String id, String prefix, Set<String> methods, String host) {
        return new Route(new RouteConfig(id, prefix, methods, Optional.ofNullable(host), "legacy", Optional.empty(),
                RouteMode.LEGACY, false, true, ShadowPolicy.defaults(), CircuitBreakerPolicy.defaults(),
                CompareRules.defaults(), PilotConfig.none(), false, io.strangler.proxy.config.RecordPolicy.off()), LEGACY,
                Optional.empty(), Optional.empty(), Optional.empty(), new RouteMeters(new SimpleMeterRegistry(), id),
                Optional.empty(), Optional.empty());
    }

    private final RoutingTable table = new RoutingTable(List.of(
            route("root", "/", Set.of(), null),
            route("api", "/api", Set.of(), null),
            route("orders", "/api/orders", Set.of(), null),
            route("orders-write", "/api/orders", Set.of("POST"), null),
            route("shop-orders", "/api/orders", Set.of(), "shop.example.com")));

    private String match(String host, String method, String uri) {
        return table.match(host, method, uri).map(Route::id).orElse("none");
    }

    @Test
    void shouldPreferTheLongestPrefix() {
        assertThat(match(null, "GET", "/api/orders/7")).isEqualTo("orders");
        assertThat(match(null, "GET", "/api/items")).isEqualTo("api");
        assertThat(match(null, "GET", "/index.html")).isEqualTo("root");
    }

    @Test
    void shouldMatchPrefixesOnSegmentBoundariesOnly() {
        assertThat(match(null, "GET", "/api/ordersummary")).isEqualTo("api");
        assertThat(match(null, "GET", "/api/orders?page=2")).isEqualTo("orders");
        assertThat(match(null, "GET", "/apix")).isEqualTo("root");
    }

    @Test
    void shouldPreferHostThenMethodSpecificRoutesOnEqualPrefixes() {
        assertThat(match("Shop.Example.com:8080", "GET", "/api/orders")).isEqualTo("shop-orders");
        assertThat(match("other.example.com", "POST", "/api/orders")).isEqualTo("orders-write");
        assertThat(match("other.example.com", "GET", "/api/orders")).isEqualTo("orders");
    }

    @Test
    void shouldFindNothingWhenNoRouteTakesTheRequest() {
        RoutingTable onlyApi = new RoutingTable(List.of(route("api", "/api", Set.of("GET"), null)));

        assertThat(onlyApi.match(null, "GET", "/other")).isEmpty();
        assertThat(onlyApi.match(null, "DELETE", "/api/x")).isEmpty();
    }
}
