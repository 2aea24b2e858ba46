package io.strangler.loadtests;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What running several instances on one PostgreSQL costs: how long a toggle flipped on one instance takes to reach
 * another (two proxy processes, one embedded PostgreSQL, the flip through the admin API), and how many divergence
 * samples a second the store writes to H2 and to PostgreSQL before its queue overflows.
 *
 * <pre>
 * ./strangler bench scaling [--flips 20] [--seconds 10] [--store-rates 2000,5000,10000]
 * </pre>
 */
final class ScalingBenchmark {

    /** initdb and a first start; on a busy 2-core machine that has taken longer than the library's 10 s. */
    private static final java.time.Duration PG_START = java.time.Duration.ofSeconds(60);

    private static final String TOKEN = "bench-oncall-token-0123456789";

    private ScalingBenchmark() {
    }

    static void run(Map<String, String> opt) throws Exception {
        Path jar = ProxyProcess.jar(opt.get("jar"));
        int flips = Bench.integer(opt, "flips", 20);
        int seconds = Bench.integer(opt, "seconds", 10);
        List<Double> storeRates = Arrays.stream(opt.getOrDefault("store-rates", "2000,5000,10000").split(","))
                .map(Double::parseDouble).toList();
        Path dir = Files.createTempDirectory("strangler-scaling");
        int pgPort = freePort();
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setPGStartupWait(PG_START)
                .setDataDirectory(dir.resolve("pg"))
                .setCleanDataDirectory(true).setPort(pgPort).start();
             Backend legacy = new Backend(Backend.Behaviour.FAST, 1);
             Backend candidate = new Backend(Backend.Behaviour.FAST, 1)) {
            String pgUrl = "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
            System.out.printf(Locale.ROOT, "scaling: embedded PostgreSQL %s on 127.0.0.1:%d%n",
                    pg.getPostgresDatabase().getConnection().getMetaData().getDatabaseProductVersion(), pgPort);

            // Toggle propagation: flip on a, watch b (and a) serve the new mode.
            int adminA = freePort();
            int adminB = freePort();
            long[] toB = new long[flips];
            long[] toA = new long[flips];
            try (ProxyProcess a = ProxyProcess.start(jar, yaml(legacy, candidate, pgUrl, "a", adminA),
                    Bench.proxyJvm(opt), opt);
                 ProxyProcess b = ProxyProcess.start(jar, yaml(legacy, candidate, pgUrl, "b", adminB),
                         Bench.proxyJvm(opt), opt)) {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                for (int i = 0; i < 200; i++) {
                    servedBy(http, a.port());
                    servedBy(http, b.port());
                }
                for (int i = 0; i < flips; i++) {
                    String mode = i % 2 == 0 ? "candidate" : "shadow";
                    String expect = i % 2 == 0 ? "candidate" : "legacy";
                    long start = System.nanoTime();
                    HttpResponse<String> flip = http.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + adminA + "/api/toggles/items"))
                            .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                            .PUT(HttpRequest.BodyPublishers.ofString("{\"mode\":\"" + mode
                                    + "\",\"reason\":\"bench flip " + i + "\"}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (flip.statusCode() != 200) {
                        throw new IllegalStateException("flip refused: " + flip.statusCode() + " " + flip.body());
                    }
                    toA[i] = awaitServedBy(http, a.port(), expect, start);
                    toB[i] = awaitServedBy(http, b.port(), expect, start);
                    // Flips a random distance apart from the other instance's refresh tick.
                    Thread.sleep(150 + (i * 137) % 400);
                }
            }
            Arrays.sort(toA);
            Arrays.sort(toB);
            StringBuilder table = new StringBuilder("| measured on | flips | p50 ms | p90 ms | max ms |\n"
                    + "|---|---|---|---|---|\n");
            List<String> csv = new ArrayList<>();
            for (var e : List.of(Map.entry("instance a (flipped there)", toA),
                    Map.entry("instance b (the other one)", toB))) {
                long[] v = e.getValue();
                table.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f |%n", e.getKey(), v.length,
                        ms(v[v.length / 2]), ms(v[(int) Math.min(v.length - 1, Math.ceil(v.length * 0.9) - 1)]),
                        ms(v[v.length - 1])));
                csv.add(String.format(Locale.ROOT, "toggle,%s,%d,%.1f,%.1f", e.getKey().split(" ")[1], v.length,
                        ms(v[v.length / 2]), ms(v[v.length - 1])));
            }
            System.out.println("\nToggle propagation (flip through the admin API of a, until the next request is "
                    + "served in the new mode):\n" + table);

            // Store writes: the same offered load into H2 and into PostgreSQL.
            StringBuilder store = new StringBuilder("| store | offered/s | written/s | dropped (queue full) |\n"
                    + "|---|---|---|---|\n");
            for (double rate : storeRates) {
            for (var target : List.of(
                    Map.entry("H2 (file)", Map.entry("jdbc:h2:file:" + dir.resolve("h2"), Optional.<String>empty())),
                    Map.entry("PostgreSQL", Map.entry(pgUrl, Optional.of("postgres"))))) {
                StoreBenchmark.Figures f = StoreBenchmark.measure(target.getValue().getKey(),
                        target.getValue().getValue(), seconds, rate);
                store.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f |%n", target.getKey(),
                        f.offered() / f.seconds(), f.writtenPerSecond(), f.dropped()));
                csv.add(String.format(Locale.ROOT, "store,%s,%.0f,%.0f,%.0f", target.getKey().split(" ")[0],
                        f.offered() / f.seconds(), f.writtenPerSecond(), f.dropped()));
            }
            }
            System.out.println("Divergence sample writes, " + seconds + " s per line, offered at a fixed rate "
                    + "(every result a new difference, so every one is a wanted sample):\n" + store);
            Results results = new Results("scaling");
            Path file = results.csv("kind,target,n_or_offered,p50_or_written,max_or_dropped", csv);
            System.out.println("written: " + file);
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static long awaitServedBy(HttpClient http, int port, String expect, long start) throws Exception {
        long deadline = start + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (servedBy(http, port).equals(expect)) {
                return System.nanoTime() - start;
            }
            Thread.sleep(2);
        }
        throw new IllegalStateException("the flip did not reach 127.0.0.1:" + port + " within 10 s");
    }

    private static String servedBy(HttpClient http, int port) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/items/1")).build(),
                HttpResponse.BodyHandlers.discarding()).headers().firstValue("X-Strangler-Served-By").orElse("?");
    }

    private static String yaml(Backend legacy, Backend candidate, String pgUrl, String instance, int adminPort) {
        return "listen: { host: 127.0.0.1, port: 0, ioThreads: 1 }\n"
                + "admin: { host: 127.0.0.1, port: " + adminPort + ", tokens: [ { name: bench, token: " + TOKEN
                + " } ] }\n"
                + "store: { url: \"" + pgUrl + "\", user: postgres, instance: " + instance + " }\n"
                + Bench.upstreamsYaml(legacy, candidate)
                + "routes:\n"
                + "  - { id: items, match: { pathPrefix: /items }, legacy: legacy, candidate: candidate,"
                + " mode: shadow }\n";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
