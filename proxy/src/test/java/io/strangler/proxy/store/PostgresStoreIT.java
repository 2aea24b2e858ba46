package io.strangler.proxy.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.report.Report;
import io.strangler.proxy.report.ReportBuilder;
import io.strangler.proxy.config.StoreConfig;
import io.strangler.proxy.testing.Fixtures;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.TestUpstream;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The divergence store on a real PostgreSQL, shared by two proxies, and surviving the database going away. */
class PostgresStoreIT {

    @TempDir
    Path dir;

    private static String url(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String config(String url, String instance, TestUpstream legacy, TestUpstream candidate) {
        return "store: { url: \"" + url + "\", instance: " + instance + ", flushInterval: 100ms }\n"
                + Fixtures.shadowConfig("orders", "shadow", legacy, candidate, "");
    }

    @Test
    void shouldCreateTheSchemaOnceWhenInstancesStartTogetherOnAnEmptyDatabase() throws Exception {
        int port = freePort();
        try (EmbeddedPostgres pg = Fixtures.postgres(dir.resolve("pg"), port)) {
            int n = 4;
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(n);
            java.util.concurrent.ExecutorService starts = java.util.concurrent.Executors.newFixedThreadPool(n);
            java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                done.add(starts.submit(() -> {
                    StoreDatabase db = new StoreDatabase(StoreConfig.defaults().withUrl(url(port)));
                    try (Connection c = db.connect()) {
                        together.await();
                        db.migrate(c);
                    }
                    return null;
                }));
            }
            for (var f : done) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            starts.shutdown();
            try (Connection c = DriverManager.getConnection(url(port));
                 java.sql.ResultSet rs = c.createStatement().executeQuery(
                         "SELECT COUNT(*), MAX(version) FROM strangler_schema")) {
                rs.next();
                assertThat(rs.getInt(1)).as("migrations applied").isEqualTo(StoreDatabase.SCHEMA_VERSION);
                assertThat(rs.getInt(2)).isEqualTo(StoreDatabase.SCHEMA_VERSION);
            }
        }
    }

    @Test
    void shouldShowTwoInstancesComparisonsInOneReport() throws Exception {
        int port = freePort();
        try (EmbeddedPostgres pg = Fixtures.postgres(dir.resolve("pg"), port);
             TestUpstream legacy = Fixtures.json("{\"price\":10}");
             TestUpstream candidate = Fixtures.json("{\"price\":11}");
             ProxyUnderTest a = ProxyUnderTest.start(config(url(port), "proxy-a", legacy, candidate));
             ProxyUnderTest b = ProxyUnderTest.start(config(url(port), "proxy-b", legacy, candidate))) {

            for (int i = 0; i < 3; i++) {
                a.get("/api/orders/" + i);
                b.get("/api/orders/" + i);
            }
            Fixtures.awaitTrue(() -> a.outcomes("orders", "diverged", "diverged") == 3
                    && b.outcomes("orders", "diverged", "diverged") == 3);
            ReportBuilder reports = new ReportBuilder(new StoreDatabase(StoreConfig.defaults().withUrl(url(port))),
                    Clock.systemUTC());
            // Until both the outcomes and their differences are stored (the store counts one, then the other).
            Fixtures.flushUntil(a.proxy().store().orElseThrow(), () -> {
                b.proxy().store().orElseThrow().flushNow();
                Report.RouteReport r = reports.build(Instant.now().minusSeconds(3600), Optional.empty()).routes().get(0);
                return r.diverged() == 6 && r.endpoints().get(0).differences().stream()
                        .anyMatch(d -> d.path().equals("$.price") && d.count() == 6);
            });
            // Samples are written by each store's own thread: wait until both instances' are in.
            Fixtures.awaitTrue(() -> sampleCount(port) >= 2);
            Report report = reports.build(Instant.now().minusSeconds(3600), Optional.empty());

            assertThat(report.instances()).containsExactly("proxy-a", "proxy-b");
            Report.RouteReport orders = report.routes().get(0);
            assertThat(orders.diverged()).isEqualTo(6);
            assertThat(orders.endpoints().get(0).differences()).anySatisfy(d -> {
                assertThat(d.path()).isEqualTo("$.price");
                assertThat(d.count()).isEqualTo(6);
                assertThat(d.sample()).isPresent();
            });
        }
    }

    @Test
    void shouldServeWhileTheDatabaseIsDownAndWriteEverythingCountedOnceItIsBack() throws Exception {
        int port = freePort();
        Path data = dir.resolve("pg");
        try (TestUpstream legacy = Fixtures.json("{\"price\":10}");
             TestUpstream candidate = Fixtures.json("{\"price\":11}")) {
            // The database is not there yet when the proxy starts.
            try (ProxyUnderTest proxy = ProxyUnderTest.start(config(url(port), "proxy-a", legacy, candidate))) {
                DivergenceStore store = proxy.proxy().store().orElseThrow();
                assertThat(store.reachable()).isFalse();
                for (int i = 0; i < 4; i++) {
                    assertThat(proxy.get("/api/orders/" + i).statusCode()).isEqualTo(200);
                }
                Fixtures.awaitTrue(() -> proxy.outcomes("orders", "diverged", "diverged") == 4);

                try (EmbeddedPostgres pg = Fixtures.postgres(data, port)) {
                    Fixtures.awaitTrue(store::reachable);
                    store.flushNow();
                    assertThat(sum(port, "outcome")).isEqualTo(4);
                }
                // Lost while running: traffic goes on, counts wait in memory.
                Fixtures.awaitTrue(() -> !store.reachable());
                for (int i = 0; i < 3; i++) {
                    assertThat(proxy.get("/api/orders/" + i).statusCode()).isEqualTo(200);
                }
                Fixtures.awaitTrue(() -> proxy.outcomes("orders", "diverged", "diverged") == 7);

                // The database comes back (rebuilt empty here: restarting the embedded one in place is unreliable).
                try (EmbeddedPostgres pg = Fixtures.postgres(dir.resolve("pg-again"), port)) {
                    Fixtures.awaitTrue(store::reachable);
                    store.flushNow();
                    assertThat(sum(port, "outcome")).isEqualTo(3);
                }
            }
        }
    }

    private static long sampleCount(int port) {
        try (Connection c = DriverManager.getConnection(url(port))) {
            return Long.parseLong(StoreIT.single(c, "SELECT COUNT(*) FROM samples"));
        } catch (Exception e) {
            return -1;
        }
    }

    private static long sum(int port, String what) throws Exception {
        try (Connection c = DriverManager.getConnection(url(port))) {
            return Long.parseLong(StoreIT.single(c, "SELECT SUM(n) FROM outcome_counts WHERE outcome = 'diverged'"));
        }
    }
}
