package io.strangler.loadtests;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Served latency with shadowing off and on, against a healthy, a hung and a 2-second candidate: the cost shadowing
 * puts on live traffic. One Strangler process (the real jar) with one route per scenario; open-loop load at a
 * fixed rate, scenarios interleaved over several rounds (after one uncounted warm-up round) so that drift on the
 * machine hits them all alike.
 *
 * <pre>
 * ./strangler bench isolation [--rate 2000] [--seconds 10] [--warmup 3] [--rounds 3] [--connections 32]
 * </pre>
 *
 * Prints a table and writes {@code load-tests/results/isolation-<time>.csv}.
 */
public final class IsolationBenchmark {

    /** @param breakerOff true to keep the route's circuit breaker from ever opening, leaving only the bulkhead */
    private record Scenario(String name, String route, String mode, String candidate, boolean breakerOff) {
    }

    private static final List<Scenario> SCENARIOS = List.of(
            new Scenario("shadow off", "plain", "legacy", "healthy", false),
            new Scenario("shadow on, healthy candidate", "healthy", "shadow", "healthy", false),
            new Scenario("shadow on, candidate hangs", "hang", "shadow", "hang", false),
            new Scenario("shadow on, candidate takes 2 s", "slow", "shadow", "slow", false),
            new Scenario("shadow on, candidate fails 50%", "errors", "shadow", "errors", false),
            new Scenario("candidate hangs, breaker off", "hang-nobreaker", "shadow", "hang", true),
            new Scenario("candidate takes 2 s, breaker off", "slow-nobreaker", "shadow", "slow", true));

    private IsolationBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(options(args));
    }

    static void run(Map<String, String> opt) throws Exception {
        double rate = Bench.number(opt, "rate", 2000);
        int seconds = Bench.integer(opt, "seconds", 10);
        int warmUp = Bench.integer(opt, "warmup", 3);
        int rounds = Bench.integer(opt, "rounds", 3);
        int connections = Bench.integer(opt, "connections", 32);
        Path jar = ProxyProcess.jar(opt.get("jar"));
        try (Backend legacy = new Backend(Backend.Behaviour.FAST, 1);
             Backend healthy = new Backend(Backend.Behaviour.FAST, 1);
             Backend hang = new Backend(Backend.Behaviour.HANG, 1);
             Backend slow = new Backend(Backend.Behaviour.SLOW_2S, 1);
             Backend errors = new Backend(Backend.Behaviour.ERRORS_50, 1)) {
            Map<String, Backend> candidates = Map.of("healthy", healthy, "hang", hang, "slow", slow, "errors", errors);
            try (ProxyProcess proxy = ProxyProcess.start(jar, config(legacy, candidates), Bench.proxyJvm(opt), opt)) {
                int port = proxy.port();
                Map<String, Histogram> merged = new LinkedHashMap<>();
                Map<String, long[]> counts = new LinkedHashMap<>();
                System.out.printf(Locale.ROOT, "open-loop %.0f req/s, %d connections, %d s measured (+%d s warm-up) "
                        + "per scenario and round, %d rounds%n", rate, connections, seconds, warmUp, rounds);
                // Round 0 warms the JIT and every route's pools, and is not counted.
                for (int round = 0; round <= rounds; round++) {
                    for (Scenario s : SCENARIOS) {
                        Backend candidate = candidates.get(s.candidate());
                        long before = candidate.requests();
                        LoadGenerator.Result r = LoadGenerator.run(new LoadGenerator.Plan(LoadGenerator.loopback(port),
                                "/" + s.route() + "/items/1", connections, rate, Duration.ofSeconds(warmUp),
                                Duration.ofSeconds(seconds), (long) (rate * (seconds + warmUp) * 2)));
                        long shadowed = s.mode().equals("shadow") ? candidate.requests() - before : 0;
                        if (round == 0) {
                            continue;
                        }
                        System.out.printf(Locale.ROOT, "round %d  %-32s %8d ok %5d errors  p50 %7.3f ms  p99 %7.3f ms"
                                + "  p99.9 %7.3f ms  max %8.3f ms  candidate got %d%n", round, s.name(), r.requests(),
                                r.errors(), r.percentileMillis(50), r.percentileMillis(99), r.percentileMillis(99.9),
                                r.latencyMicros().getMaxValue() / 1000.0, shadowed);
                        merged.computeIfAbsent(s.name(), k -> LoadGenerator.histogram())
                                .add(r.latencyMicros());
                        long[] c = counts.computeIfAbsent(s.name(), k -> new long[3]);
                        c[0] += r.requests();
                        c[1] += r.errors();
                        c[2] += shadowed;
                    }
                }
                report(merged, counts, rate, connections, seconds, rounds);
            }
        }
    }

    private static String config(Backend legacy, Map<String, Backend> candidates) {
        StringBuilder y = new StringBuilder();
        // One I/O thread, like an nginx with one worker; shadow calls and comparisons have threads of their own.
        y.append("listen: { host: 127.0.0.1, port: 0, ioThreads: 1 }\n");
        y.append("upstreams:\n");
        y.append("  legacy: { url: \"http://127.0.0.1:").append(legacy.port()).append("\" }\n");
        candidates.forEach((name, b) -> y.append("  ").append(name).append(": { url: \"http://127.0.0.1:")
                .append(b.port()).append("\" }\n"));
        y.append("routes:\n");
        for (Scenario s : SCENARIOS) {
            y.append("  - { id: ").append(s.route()).append(", match: { pathPrefix: /").append(s.route())
                    .append(" }, legacy: legacy, candidate: ").append(s.candidate()).append(", mode: ")
                    .append(s.mode())
                    .append(s.breakerOff() ? ", circuitBreaker: { minimumCalls: 100000, slidingWindowSize: 100000 }"
                            : "")
                    .append(" }\n");
        }
        return y.toString();
    }

    private static void report(Map<String, Histogram> merged, Map<String, long[]> counts, double rate,
            int connections, int seconds, int rounds) throws IOException {
        double offP99 = merged.get(SCENARIOS.get(0).name()).getValueAtPercentile(99) / 1000.0;
        StringBuilder table = new StringBuilder();
        table.append("| scenario | requests | errors | p50 ms | p99 ms | p99.9 ms | max ms | p99 vs off "
                + "| sent to candidate |\n");
        table.append("|---|---|---|---|---|---|---|---|---|\n");
        StringBuilder csv = new StringBuilder("scenario,rate,connections,seconds,rounds,requests,errors,p50_ms,p99_ms,"
                + "p999_ms,max_ms,candidate_requests\n");
        merged.forEach((name, h) -> {
            long[] c = counts.get(name);
            double p50 = h.getValueAtPercentile(50) / 1000.0;
            double p99 = h.getValueAtPercentile(99) / 1000.0;
            double p999 = h.getValueAtPercentile(99.9) / 1000.0;
            double max = h.getMaxValue() / 1000.0;
            table.append(String.format(Locale.ROOT, "| %s | %d | %d | %.3f | %.3f | %.3f | %.3f | %+.1f%% | %d |%n",
                    name, c[0], c[1], p50, p99, p999, max, (p99 / offP99 - 1) * 100, c[2]));
            csv.append(String.format(Locale.ROOT, "%s,%.0f,%d,%d,%d,%d,%d,%.3f,%.3f,%.3f,%.3f,%d%n", name, rate,
                    connections, seconds, rounds, c[0], c[1], p50, p99, p999, max, c[2]));
        });
        System.out.println();
        System.out.print(table);
        Results results = new Results("isolation");
        Path file = results.csv(csv.toString().substring(0, csv.indexOf("\n")), List.of(csv.substring(
                csv.indexOf("\n") + 1).strip().split("\n")));
        Path plot = results.percentilePlot(String.format(Locale.ROOT, "Served latency at %.0f req/s by candidate "
                + "behaviour", rate), merged);
        System.out.println("\nwritten: " + file + ", " + plot);
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got: " + String.join(" ", args));
            }
            out.put(args[i].substring(2), args[++i]);
        }
        return out;
    }
}
