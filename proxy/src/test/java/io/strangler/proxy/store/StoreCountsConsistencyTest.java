package io.strangler.proxy.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strangler.proxy.config.StoreConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counts written while comparisons keep arriving never show a difference more often than the comparisons it came
 * from: a live report must not say 100.2%.
 */
class StoreCountsConsistencyTest {

    @TempDir
    Path dir;

    @Test
    void shouldNeverStoreMoreDifferencesThanDivergedComparisons() throws Exception {
        StoreDatabase db = new StoreDatabase(StoreConfig.defaults().withUrl("jdbc:h2:file:" + dir.resolve("db")));
        AtomicBoolean running = new AtomicBoolean(true);
        long worst = Long.MIN_VALUE;
        try (DivergenceStore store = DivergenceStore.open(db, new SimpleMeterRegistry(), Clock.systemUTC())) {
            // A compare thread counting as fast as it can, while this thread flushes and reads the totals.
            Thread compare = new Thread(() -> {
                while (running.get()) {
                    store.onResult(StoreRetentionTest.diverged("$.price", Instant.now()));
                }
            });
            compare.start();
            try (Connection c = db.connect()) {
                for (int i = 0; i < 200; i++) {
                    store.flushNow();
                    worst = Math.max(worst, total(c, "SELECT SUM(n) FROM difference_counts WHERE path = '$.price'")
                            - total(c, "SELECT SUM(n) FROM outcome_counts WHERE outcome = 'diverged'"));
                }
            } finally {
                running.set(false);
                compare.join();
            }
        }
        assertThat(worst).as("differences stored beyond the diverged comparisons, at worst").isLessThanOrEqualTo(0);
    }

    private static long total(Connection c, String sql) throws Exception {
        try (ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
