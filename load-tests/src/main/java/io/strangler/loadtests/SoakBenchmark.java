package io.strangler.loadtests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A long run at a fixed rate with shadowing, comparisons and the divergence store all busy (the candidate answers
 * every request with another price), watching the proxy process's resident memory (from /proc) and heap (from its
 * own /metrics) every ten seconds. Passes when nothing failed, RSS grew less than 10% after the warm-up, and the
 * heap stayed under its configured maximum.
 *
 * <pre>
 * ./strangler bench soak [--minutes 10] [--rate 2000] [--warmup-minutes 1] [--heap 256m]
 * </pre>
 */
final class SoakBenchmark {

    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(10);

    private SoakBenchmark() {
    }

    static void run(Map<String, String> opt) throws Exception {
        double minutes = Bench.number(opt, "minutes", 10);
        double rate = Bench.number(opt, "rate", 2000);
        double warmMinutes = Bench.number(opt, "warmup-minutes", 1);
        String heap = opt.getOrDefault("heap", "256m");
        int connections = Bench.integer(opt, "connections", 32);
        Path jar = ProxyProcess.jar(opt.get("jar"));
        Path storeDir = Files.createTempDirectory("strangler-soak");
        int adminPort = Peer.freePort();
        try (Backend legacy = new Backend(Backend.Behaviour.FAST, 1);
             Backend candidate = new Backend(Backend.Behaviour.FAST_DIFFERENT, 1)) {
            String yaml = "listen: { host: 127.0.0.1, port: 0, ioThreads: 1 }\n"
                    + "store: { url: \"jdbc:h2:file:" + storeDir.resolve("db") + "\" }\n"
                    + "admin: { host: 127.0.0.1, port: " + adminPort + " }\n"
                    + Bench.upstreamsYaml(legacy, candidate)
                    + "routes:\n"
                    + "  - { id: items, match: { pathPrefix: /items }, legacy: legacy, candidate: candidate,"
                    + " mode: shadow }\n";
            long heapMax = parseBytes(heap);
            try (ProxyProcess proxy = ProxyProcess.start(jar, yaml, jvm(heap, opt), opt)) {
                System.out.printf(Locale.ROOT, "soak: %.0f req/s open loop for %.1f min (first %.1f min warm-up), "
                        + "shadowing with a difference in every comparison, -Xmx%s%n", rate, minutes, warmMinutes,
                        heap);
                Duration total = Duration.ofMillis((long) (minutes * 60_000));
                Duration warm = Duration.ofMillis((long) (warmMinutes * 60_000));
                CompletableFuture<LoadGenerator.Result> load = CompletableFuture.supplyAsync(() -> {
                    try {
                        return LoadGenerator.run(new LoadGenerator.Plan(LoadGenerator.loopback(proxy.port()),
                                "/items/1", connections, rate, warm, total.minus(warm),
                                (long) (rate * total.toSeconds() * 2)));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                HttpClient client = HttpClient.newHttpClient();
                List<double[]> samples = new ArrayList<>();
                long start = System.nanoTime();
                while (!load.isDone()) {
                    double t = (System.nanoTime() - start) / 60e9;
                    double rss = proxy.rssBytes() / 1048576.0;
                    double used = heapUsed(client, adminPort) / 1048576.0;
                    samples.add(new double[] {t, rss, used});
                    System.out.printf(Locale.ROOT, "%6.2f min  RSS %7.1f MiB  heap used %7.1f MiB%n", t, rss, used);
                    try {
                        load.get(SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        // next sample
                    }
                }
                LoadGenerator.Result r = load.get();
                report(r, samples, warmMinutes, heapMax, rate, minutes, heap);
            }
        } finally {
            Bench.deleteTree(storeDir);
        }
    }

    private static void report(LoadGenerator.Result r, List<double[]> samples, double warmMinutes, long heapMax,
            double rate, double minutes, String heap) throws Exception {
        double rssAtWarm = average(samples, 1, warmMinutes, warmMinutes + 0.5);
        double lastT = samples.get(samples.size() - 1)[0];
        double rssAtEnd = average(samples, 1, lastT - 0.5, lastT + 1);
        double heapPeak = samples.stream().mapToDouble(s -> s[2]).max().orElse(0);
        double growth = (rssAtEnd / rssAtWarm - 1) * 100;
        System.out.println();
        System.out.println("| requests | errors | p50 ms | p99 ms | p99.9 ms | RSS after warm-up MiB | RSS at end MiB "
                + "| RSS growth | heap peak MiB | -Xmx MiB |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| %d | %d | %.3f | %.3f | %.3f | %.1f | %.1f | %+.1f%% | %.1f | %d |%n",
                r.requests(), r.errors(), r.percentileMillis(50), r.percentileMillis(99), r.percentileMillis(99.9),
                rssAtWarm, rssAtEnd, growth, heapPeak, heapMax / 1048576);
        boolean pass = r.errors() == 0 && growth < 10 && heapPeak * 1048576 < heapMax;
        System.out.println(pass ? "\nPASS: no errors, RSS growth under 10% after warm-up, heap under -Xmx"
                : "\nFAIL: see the table (goal: no errors, RSS growth < 10% after warm-up, heap under -Xmx)");
        Results results = new Results("soak");
        List<String> rows = new ArrayList<>();
        for (double[] s : samples) {
            rows.add(String.format(Locale.ROOT, "%.3f,%.1f,%.1f", s[0], s[1], s[2]));
        }
        rows.add(String.format(Locale.ROOT, "# rate %.0f, minutes %.1f, heap %s, requests %d, errors %d, p99_ms %.3f,"
                + " rss_growth_pct %.1f", rate, minutes, heap, r.requests(), r.errors(), r.percentileMillis(99), growth));
        Path file = results.csv("minutes,rss_mib,heap_used_mib", rows);
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        series.put("RSS (MiB)", samples.stream().map(s -> new double[] {s[0], s[1]}).toList());
        series.put("heap used (MiB)", samples.stream().map(s -> new double[] {s[0], s[2]}).toList());
        Path plot = results.linePlot("-memory.svg", String.format(Locale.ROOT, "Soak at %.0f req/s with shadowing: "
                + "memory over time (-Xmx%s)", rate, heap), "minutes", "MiB", series);
        Path latency = results.percentilePlot("Soak: served latency", Map.of("soak", r.latencyMicros()));
        System.out.println("written: " + file + ", " + plot + ", " + latency);
    }

    private static double average(List<double[]> samples, int column, double from, double to) {
        return samples.stream().filter(s -> s[0] >= from && s[0] <= to).mapToDouble(s -> s[column]).average()
                .orElse(samples.get(samples.size() - 1)[column]);
    }

    /** Heap in use, summed over the heap pools of the proxy's jvm_memory_used_bytes; -1 when unreadable. */
    private static double heapUsed(HttpClient client, int adminPort) {
        try {
            String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                    + "/metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            double sum = 0;
            for (String line : metrics.split("\n")) {
                if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        } catch (Exception e) {
            return -1;
        }
    }

    private static List<String> jvm(String heap, Map<String, String> opt) {
        List<String> args = new ArrayList<>(List.of("-Xmx" + heap, "-Xms" + heap));
        args.addAll(Bench.proxyJvm(opt));
        return args;
    }

    private static long parseBytes(String s) {
        char unit = Character.toLowerCase(s.charAt(s.length() - 1));
        long n = Long.parseLong(Character.isDigit(unit) ? s : s.substring(0, s.length() - 1));
        return switch (unit) {
            case 'k' -> n << 10;
            case 'm' -> n << 20;
            case 'g' -> n << 30;
            default -> n;
        };
    }
}
