package io.strangler.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class QuantitiesTest {

    @Test
    void shouldParseEveryDurationUnit() {
        assertThat(Quantities.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Quantities.parseDuration("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Quantities.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Quantities.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Quantities.parseDuration(" 7d ")).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void shouldParseEverySizeUnit() {
        assertThat(Quantities.parseSize("512")).isEqualTo(512);
        assertThat(Quantities.parseSize("512B")).isEqualTo(512);
        assertThat(Quantities.parseSize("64KiB")).isEqualTo(65536);
        assertThat(Quantities.parseSize("10MiB")).isEqualTo(10L << 20);
        assertThat(Quantities.parseSize("1GiB")).isEqualTo(1L << 30);
        assertThat(Quantities.parseSize("2MB")).isEqualTo(2_000_000);
    }

    @Test
    void shouldRejectWhatIsNotADurationOrSize() {
        assertThatThrownBy(() -> Quantities.parseDuration("10")).hasMessageContaining("expected: a duration");
        assertThatThrownBy(() -> Quantities.parseDuration("1.5s")).hasMessageContaining("expected: a duration");
        assertThatThrownBy(() -> Quantities.parseDuration("-1s")).hasMessageContaining("expected: a duration");
        assertThatThrownBy(() -> Quantities.parseSize("10 mb")).hasMessageContaining("expected: a size");
        assertThatThrownBy(() -> Quantities.parseSize("99999999999GiB")).hasMessageContaining("too large");
    }
}
