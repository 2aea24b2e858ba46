package io.strangler.loadtests;

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
import io.strangler.proxy.store.DivergenceStore;
import io.strangler.proxy.store.StoreDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Sustained divergence sample writes per second into the store, with the default queue and flush settings: one
 * thread plays the compare thread and offers a diverged result (about 1 KiB per body) every time, each with a new
 * difference path so that every one is wanted as a sample. Reports samples written and dropped.
 *
 * <pre>
 * java -cp load-tests/target/strangler-benchmarks.jar io.strangler.loadtests.StoreBenchmark \
 *     [--seconds 10] [--rate 0 (as fast as possible) | N per second] [--url jdbc:...]
 * </pre>
 */
public final class StoreBenchmark {

    private StoreBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = IsolationBenchmark.options(args);
        int seconds = Integer.parseInt(opt.getOrDefault("seconds", "10"));
        double rate = Double.parseDouble(opt.getOrDefault("rate", "0"));
        Path dir = Files.createTempDirectory("strangler-store-bench");
        String url = opt.getOrDefault("url", "jdbc:h2:file:" + dir.resolve("store"));
        Figures f = measure(url, Optional.empty(), seconds, rate);
        System.out.println(f.describe().replace(dir.toString(), "<tmp>"));
    }

    /** What one run measured: results offered, samples written and dropped, over {@code seconds}. */
    record Figures(String store, long offered, long written, double dropped, double seconds, int queueSize) {
        double writtenPerSecond() {
            return written / seconds;
        }

        String describe() {
            return String.format(Locale.ROOT, "%s: offered %d diverged results in %.1f s (%.0f/s); %d samples "
                    + "written (%.0f/s over the offering time), %.0f dropped by the full queue (queueSize %d)", store,
                    offered, seconds, offered / seconds, written, writtenPerSecond(), dropped, queueSize);
        }
    }

    /** Offers diverged results for {@code seconds} ({@code rate} 0 = as fast as possible) to the store at {@code url}. */
    static Figures measure(String url, Optional<String> user, int seconds, double rate) throws Exception {
        StoreConfig defaults = StoreConfig.defaults();
        StoreConfig config = new StoreConfig(url, user, Optional.empty(), "bench", Integer.MAX_VALUE,
                defaults.maxBodyBytes(), defaults.retention(), Integer.MAX_VALUE, defaults.queueSize(),
                defaults.flushInterval(), defaults.redact());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StoreDatabase db = new StoreDatabase(config);
        String body = "{\"id\":1,\"items\":[" + "{\"sku\":\"A-1\",\"qty\":2,\"price\":9.99},".repeat(20)
                + "{\"sku\":\"Z\",\"qty\":1,\"price\":1}]}";
        long offered = 0;
        long start;
        long elapsed;
        long before = count(db);
        try (DivergenceStore store = DivergenceStore.open(db, registry, Clock.systemUTC())) {
            start = System.nanoTime();
            long end = start + Duration.ofSeconds(seconds).toNanos();
            while (System.nanoTime() - end < 0) {
                if (rate > 0) {
                    long ahead = start + (long) (offered * 1e9 / rate) - System.nanoTime();
                    if (ahead > 1_000_000) {
                        // Paced by sleeping, so that the offering thread leaves the CPU to the writer.
                        java.util.concurrent.locks.LockSupport.parkNanos(ahead);
                    }
                }
                store.onResult(result(offered, body));
                offered++;
            }
            elapsed = System.nanoTime() - start;
        }
        long written = count(db) - before;
        double dropped = registry.find("strangler.store.samples.dropped").counter().count();
        return new Figures(db.describe(), offered, written, dropped, elapsed / 1e9, config.queueSize());
    }

    private static long count(StoreDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM samples")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            // No schema yet: the store creates it when it opens.
            return 0;
        }
    }

    private static ShadowResult result(long i, String body) {
        ComparedRequest req = new ComparedRequest("orders", "GET", "/api/orders/" + i);
        Observation legacy = Observation.of(200, Map.of("content-type", List.of("application/json")), Body.of(body),
                Duration.ofMillis(2));
        Observation candidate = Observation.of(200, Map.of("content-type", List.of("application/json")),
                Body.of(body.replace("9.99", "9.98")), Duration.ofMillis(3));
        Comparison c = new Comparison(req, "/api/orders/{id}", Verdict.DIVERGED,
                List.of(new Difference(DifferenceKind.VALUE, "$.items[" + i + "].price", "9.99", "9.98")),
                List.of(), Map.of(), List.of());
        return new ShadowResult(req, new ShadowResult.RecordedRequest("GET", "/api/orders/" + i,
                Map.of("accept", List.of("application/json")), Body.EMPTY), "request-" + i, "legacy",
                ShadowOutcome.DIVERGED, "diverged", Optional.of(c), Optional.of(legacy), Optional.of(candidate),
                java.time.Instant.now());
    }
}
