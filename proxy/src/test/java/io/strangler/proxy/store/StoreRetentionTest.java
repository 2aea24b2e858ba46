package io.strangler.proxy.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strangler.comparator.Body;
import io.strangler.comparator.ComparedRequest;
import io.strangler.comparator.Comparison;
import io.strangler.comparator.Difference;
import io.strangler.comparator.DifferenceKind;
import io.strangler.comparator.Observation;
import io.strangler.comparator.Verdict;
import io.strangler.proxy.config.StoreConfig;
import io.strangler.proxy.shadow.ShadowOutcome;
import io.strangler.proxy.shadow.ShadowResult;
import io.strangler.proxy.testing.Fixtures;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreRetentionTest {

    @TempDir
    Path dir;

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-01T10:00:00Z"));

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }
    }

    static ShadowResult diverged(String path, Instant at) {
        ComparedRequest req = new ComparedRequest("orders", "GET", "/api/orders/1");
        Observation legacy = Observation.of(200, Map.of(), Body.of("{\"a\":1}"), Duration.ofMillis(2));
        Observation candidate = Observation.of(200, Map.of(), Body.of("{\"a\":2}"), Duration.ofMillis(3));
        Comparison c = new Comparison(req, "/api/orders/{id}", Verdict.DIVERGED,
                List.of(new Difference(DifferenceKind.VALUE, path, "1", "2")), List.of(), Map.of(), List.of());
        return new ShadowResult(req, new ShadowResult.RecordedRequest("GET", "/api/orders/1", Map.of(), Body.EMPTY),
                "rid", "legacy", ShadowOutcome.DIVERGED, "diverged", Optional.of(c), Optional.of(legacy),
                Optional.of(candidate), at);
    }

    private static long count(StoreDatabase db) {
        try (Connection c = db.connect()) {
            return Long.parseLong(StoreIT.single(c, "SELECT COUNT(*) FROM samples"));
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void shouldDeleteWhatIsOlderThanTheRetentionAndCapTheSamples() throws Exception {
        ManualClock clock = new ManualClock();
        StoreConfig config = new StoreConfig("jdbc:h2:file:" + dir.resolve("db"), Optional.empty(), Optional.empty(),
                "test", 1, 1024, Duration.ofDays(7), 3, 100, Duration.ofHours(1), StoreConfig.Redaction.none());
        StoreDatabase db = new StoreDatabase(config);
        try (DivergenceStore store = DivergenceStore.open(db, new SimpleMeterRegistry(), clock)) {
            for (int i = 0; i < 5; i++) {
                store.onResult(diverged("$.old" + i, clock.instant()));
            }
            // The writer takes queued samples at once; wait for all five, then let the next flush apply the cap.
            Fixtures.awaitTrue(() -> count(db) == 5);
            clock.advance(Duration.ofMinutes(2));
            store.flushNow();
            try (Connection c = db.connect()) {
                // Five differences with one sample each, capped at three rows.
                assertThat(StoreIT.single(c, "SELECT COUNT(*) FROM samples")).isEqualTo("3");
                assertThat(StoreIT.single(c, "SELECT SUM(n) FROM difference_counts")).isEqualTo("5");
            }

            clock.advance(Duration.ofDays(8));
            store.onResult(diverged("$.new", clock.instant()));
            store.flushNow();
            // The writer may take the new sample just before or just after that flush.
            Fixtures.awaitTrue(() -> count(db) == 1);

            try (Connection c = db.connect()) {
                assertThat(StoreIT.single(c, "SELECT COUNT(*) FROM samples")).isEqualTo("1");
                assertThat(StoreIT.single(c, "SELECT COUNT(*) FROM sample_differences")).isEqualTo("1");
                assertThat(StoreIT.single(c, "SELECT path FROM difference_counts")).isEqualTo("$.new");
                assertThat(StoreIT.single(c, "SELECT SUM(n) FROM outcome_counts")).isEqualTo("1");
            }
        }
    }
}
