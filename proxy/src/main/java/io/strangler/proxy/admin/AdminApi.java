package io.strangler.proxy.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.strangler.proxy.report.ReportBuilder;
import io.strangler.proxy.store.DivergenceStore;
import io.strangler.proxy.toggle.ToggleService;
import java.util.Optional;

/**
 * What the admin API reads from the running proxy.
 *
 * @param registry every meter, for {@code /metrics}
 * @param store the divergence store, if the proxy has one (else the divergence endpoints answer 404)
 * @param reports reads the store for reports and divergence listings
 * @param toggles route modes, the kill switch and the audit log
 */
public record AdminApi(PrometheusMeterRegistry registry, Optional<DivergenceStore> store,
        Optional<ReportBuilder> reports, ToggleService toggles) {
}
