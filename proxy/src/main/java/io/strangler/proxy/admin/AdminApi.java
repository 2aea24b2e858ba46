package io.strangler.proxy.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.strangler.proxy.report.ReportBuilder;
import io.strangler.proxy.store.DivergenceStore;
import io.strangler.proxy.toggle.ToggleService;
import java.util.List;
import java.util.Optional;

/**
 * What the admin API reads from the running proxy.
 *
 * @param registry every meter, for {@code /metrics} and the dashboard
 * @param store the divergence store, if the proxy has one (else the divergence endpoints answer 400)
 * @param reports reads the store for reports and divergence listings
 * @param toggles route modes, the kill switch and the audit log
 * @param routes every configured route with its upstream ids, in config order, for the dashboard's latency
 */
public record AdminApi(PrometheusMeterRegistry registry, Optional<DivergenceStore> store,
        Optional<ReportBuilder> reports, ToggleService toggles, List<RouteSides> routes) {

    public AdminApi {
        routes = List.copyOf(routes);
    }

    /** A route's id and the upstream ids that are its legacy and (if any) candidate side. */
    public record RouteSides(String route, String legacy, Optional<String> candidate) {
    }
}
