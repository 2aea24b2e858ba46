package io.strangler.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyWindowTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private Timer timer(String upstream) {
        return Timer.builder("t").tag("upstream", upstream).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    @Test
    void shouldGiveTheQuantilesOfTheCallsBetweenTwoReadings() {
        Timer a = timer("a");
        Timer b = timer("b");
        for (int i = 0; i < 1_000; i++) {
            a.record(500, TimeUnit.MILLISECONDS);
        }
        LatencyWindow before = LatencyWindow.of(List.of(a, b));
        for (int i = 0; i < 98; i++) {
            a.record(10, TimeUnit.MILLISECONDS);
        }
        b.record(10, TimeUnit.MILLISECONDS);
        b.record(2_000, TimeUnit.MILLISECONDS);
        LatencyWindow window = LatencyWindow.of(List.of(a, b)).since(before);

        assertThat(window.count()).isEqualTo(100);
        // Bucket resolution is coarse (Micrometer's default bounds): within the bucket around 10 ms.
        assertThat(window.quantile(0.5)).isCloseTo(10, within(2.0));
        assertThat(window.quantile(0.995)).isGreaterThan(1_000);
        assertThat(before.quantile(0.5)).isCloseTo(500, within(60.0));
        assertThat(LatencyWindow.EMPTY.quantile(0.5)).isNaN();
        assertThat(window.since(window).quantile(0.99)).isNaN();
    }
}
