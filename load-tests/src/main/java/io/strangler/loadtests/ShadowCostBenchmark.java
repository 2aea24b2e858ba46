package io.strangler.loadtests;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What shadowing costs the traffic that is served: one Strangler process with two routes to the same fast legacy
 * backend, one in {@code legacy} mode (shadow off) and one in {@code shadow} mode copying every request to a
 * healthy candidate and comparing the answers. Closed loop for throughput (each route in turn, interleaved rounds),
 * open loop at a fixed rate for latency at equal load, with the two routes alternating slice by slice within one
 * run (see {@link LoadGenerator}).
 *
 * <pre>
 * ./strangler bench shadow-cost [--seconds 8] [--warmup 2] [--rounds 3] [--connections 32] [--rate 5000]
 *     [--io-threads 1] [--background-cpu idle|low|normal] [--candidate-cpu normal|idle] [--slice-ms 1000]
 *     [--guard-ms 200]
 * </pre>
 *
 * <p>{@code --background-cpu} sets the proxy's {@code shadowing.backgroundCpu}. {@code --candidate-cpu idle} runs the
 * candidate backend's thread at {@code SCHED_IDLE}, as a stand-in for a candidate on machines of its own; by default
 * it competes for the same cores as everything else.
 */
final class ShadowCostBenchmark {

    private ShadowCostBenchmark() {
    }

    /** Adds the counts that grew from {@code from} to {@code to}. */
    private static void add(Map<String, Double> sum, Map<String, Double> from, Map<String, Double> to) {
        to.forEach((k, v) -> sum.merge(k, v - from.getOrDefault(k, 0.0), Double::sum));
    }

    /** "98.7% of 123,456 (skipped: bulkhead_full 1,234)". */
    static String share(Map<String, Double> outcomes) {
        double total = outcomes.values().stream().mapToDouble(Double::doubleValue).sum();
        double compared = outcomes.entrySet().stream().filter(e -> e.getKey().startsWith("matched/")
                || e.getKey().startsWith("diverged/")).mapToDouble(Map.Entry::getValue).sum();
        StringBuilder other = new StringBuilder();
        outcomes.forEach((k, v) -> {
            if (v > 0 && !k.startsWith("matched/") && !k.startsWith("diverged/")) {
                other.append(other.length() == 0 ? "" : ", ").append(k).append(' ')
                        .append(String.format(Locale.ROOT, "%,.0f", v));
            }
        });
        return String.format(Locale.ROOT, "%.1f%% of %,.0f", total == 0 ? 0 : 100 * compared / total, total)
                + (other.length() == 0 ? "" : " (" + other + ")");
    }

    static void run(Map<String, String> opt) throws Exception {
        int seconds = Bench.integer(opt, "seconds", 8);
        int warmUp = Bench.integer(opt, "warmup", 2);
        int rounds = Bench.integer(opt, "rounds", 3);
        int connections = Bench.integer(opt, "connections", 32);
        double rate = Bench.number(opt, "rate", 5000);
        String ioThreads = opt.getOrDefault("io-threads", "1");
        String candidateCpu = opt.getOrDefault("candidate-cpu", "normal");
        if (!candidateCpu.equals("normal") && !candidateCpu.equals("idle")) {
            throw new IllegalArgumentException("--candidate-cpu: '" + candidateCpu + "' (expected: normal or idle)");
        }
        // The proxy's shadowing.backgroundCpu; checked by the proxy's own config validation.
        String backgroundCpu = opt.getOrDefault("background-cpu", "idle");
        int sliceMillis = Bench.integer(opt, "slice-ms", 1000);
        int guardMillis = Bench.integer(opt, "guard-ms", 200);
        Path jar = ProxyProcess.jar(opt.get("jar"));
        try (Backend legacy = new Backend(Backend.Behaviour.FAST, 1);
             Backend candidate = new Backend(Backend.Behaviour.FAST, 1)) {
            if (candidateCpu.equals("idle")) {
                // The candidate stands in for a system on machines of its own: its work here should not compete with
                // the proxy's served path for these two cores. The proxy's own shadow work is still counted.
                candidate.runAtIdlePriority();
            }
            String yaml = "listen: { host: 127.0.0.1, port: 0, ioThreads: " + ioThreads + " }\n"
                    + "shadowing: { backgroundCpu: " + backgroundCpu + " }\n"
                    + Bench.upstreamsYaml(legacy, candidate)
                    + "routes:\n"
                    + "  - { id: plain, match: { pathPrefix: /off }, legacy: legacy, candidate: candidate, mode: legacy }\n"
                    + "  - { id: shadowed, match: { pathPrefix: /on }, legacy: legacy, candidate: candidate, "
                    + "mode: shadow }\n";
            Map<String, String> paths = new LinkedHashMap<>();
            paths.put("shadow off", "/off/items/1");
            paths.put("shadow on", "/on/items/1");
            Map<String, Histogram> closedH = new LinkedHashMap<>();
            Map<String, Histogram> openH = new LinkedHashMap<>();
            Map<String, long[]> closedN = new LinkedHashMap<>();
            Map<String, long[]> openN = new LinkedHashMap<>();
            Map<String, double[]> closedSeconds = new LinkedHashMap<>();
            Map<String, double[]> cpu = new LinkedHashMap<>();
            Map<String, Double> closedOutcomes = new java.util.TreeMap<>();
            Map<String, Double> openOutcomes = new java.util.TreeMap<>();
            try (ProxyProcess proxy = ProxyProcess.start(jar, yaml, Bench.proxyJvm(opt), opt)) {
                System.out.printf(Locale.ROOT, "shadow-cost: closed loop (%d connections) and open loop at %.0f "
                        + "req/s (shadow off and on alternating every %d ms, the first %d ms of each not recorded), "
                        + "%d s measured (+%d s warm-up) each, %d rounds, %s I/O thread(s), shadow work at %s CPU, "
                        + "candidate backend at %s CPU%n", connections, rate, sliceMillis, guardMillis, seconds, warmUp,
                        rounds, ioThreads, backgroundCpu, candidateCpu);
                List<LoadGenerator.Target> alternating = paths.values().stream()
                        .map(path -> new LoadGenerator.Target(LoadGenerator.loopback(proxy.port()), path)).toList();
                for (int round = 0; round <= rounds; round++) {
                    Map<String, LoadGenerator.Result> closedRuns = new LinkedHashMap<>();
                    Map<String, Double> before = proxy.shadowOutcomes("shadowed");
                    Map<String, Double> afterClosed = before;
                    for (Map.Entry<String, String> p : paths.entrySet()) {
                        ProcessCpu.Measured m = ProcessCpu.during(proxy.pid(), new LoadGenerator.Plan(
                                LoadGenerator.loopback(proxy.port()), p.getValue(), connections, 0,
                                Duration.ofSeconds(warmUp), Duration.ofSeconds(seconds), Long.MAX_VALUE));
                        LoadGenerator.Result closed = m.result();
                        if (p.getKey().equals("shadow on")) {
                            // Let shadow calls still in flight end, so each phase counts its own.
                            Thread.sleep(500);
                            afterClosed = proxy.shadowOutcomes("shadowed");
                        }
                        closedRuns.put(p.getKey(), closed);
                        if (round > 0) {
                            // CPU per closed-loop answer, both over the measured window.
                            double[] c = cpu.computeIfAbsent(p.getKey(), k -> new double[2]);
                            c[0] += Math.max(m.cpuSeconds(), 0); // 0 where there is no /proc, as before
                            c[1] += closed.requests();
                        }
                    }
                    // Open loop: shadow off and on alternate slice by slice in one run, so both see the same
                    // minutes of this machine, each getting `seconds` of due times.
                    LoadGenerator.Result open = LoadGenerator.run(LoadGenerator.Plan.alternating(alternating,
                            Duration.ofMillis(sliceMillis), Duration.ofMillis(guardMillis), connections, rate,
                            Duration.ofSeconds(warmUp), seconds));
                    Thread.sleep(500);
                    if (round == 0) {
                        continue;
                    }
                    add(closedOutcomes, before, afterClosed);
                    add(openOutcomes, afterClosed, proxy.shadowOutcomes("shadowed"));
                    int i = 0;
                    for (String k : paths.keySet()) {
                        LoadGenerator.Result closed = closedRuns.get(k);
                        Histogram o = open.byTarget().get(i);
                        long openErrors = OverheadBenchmark.addOpen(openH, openN, k, open, i++);
                        System.out.printf(Locale.ROOT, "round %d  %-10s closed %9.0f req/s p99 %7.3f ms | open p50 "
                                + "%7.3f ms p99 %7.3f ms p99.9 %7.3f ms  %d errors%n", round, k,
                                closed.throughput(), closed.percentileMillis(99), LoadGenerator.Result.millis(o, 50),
                                LoadGenerator.Result.millis(o, 99), LoadGenerator.Result.millis(o, 99.9),
                                closed.errors() + openErrors);
                        OverheadBenchmark.add(closedH, closedN, k, closed);
                        closedSeconds.computeIfAbsent(k, x -> new double[1])[0] += closed.seconds();
                    }
                }
            }
            StringBuilder table = new StringBuilder("| shadow | max req/s | CPU µs/req | closed p99 ms | open p50 ms "
                    + "| open p99 ms | open p99.9 ms | errors |\n|---|---|---|---|---|---|---|---|\n");
            List<String> csv = new ArrayList<>();
            for (String k : paths.keySet()) {
                double tput = closedN.get(k)[0] / closedSeconds.get(k)[0];
                Histogram c = closedH.get(k);
                Histogram o = openH.get(k);
                double cpuMicros = cpu.get(k)[0] / cpu.get(k)[1] * 1e6;
                long errors = closedN.get(k)[1] + openN.get(k)[1];
                table.append(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.3f | %.3f | %.3f | %.3f | %d |%n", k,
                        tput, cpuMicros, c.getValueAtPercentile(99) / 1000.0, o.getValueAtPercentile(50) / 1000.0,
                        o.getValueAtPercentile(99) / 1000.0, o.getValueAtPercentile(99.9) / 1000.0, errors));
                csv.add(String.format(Locale.ROOT, "%s,%s,%d,%.0f,%d,%d,%.0f,%.1f,%.3f,%.3f,%.3f,%.3f,%d,%s,%d", k,
                        candidateCpu, connections, rate, seconds, rounds, tput, cpuMicros,
                        c.getValueAtPercentile(99) / 1000.0, o.getValueAtPercentile(50) / 1000.0,
                        o.getValueAtPercentile(99) / 1000.0, o.getValueAtPercentile(99.9) / 1000.0, errors,
                        backgroundCpu, sliceMillis));
            }
            double tOff = closedN.get("shadow off")[0] / closedSeconds.get("shadow off")[0];
            double tOn = closedN.get("shadow on")[0] / closedSeconds.get("shadow on")[0];
            double pOff = openH.get("shadow off").getValueAtPercentile(99);
            double pOn = openH.get("shadow on").getValueAtPercentile(99);
            System.out.println();
            System.out.print(table);
            System.out.printf(Locale.ROOT, "%nthroughput on/off %.2f (goal >= 0.6), open-loop p99 on/off %.2f "
                    + "(goal <= 1.5)%n", tOn / tOff, pOn / pOff);
            // What the shadow side did with the copies: a proxy that skips shadowing is fast for no merit.
            System.out.printf(Locale.ROOT, "shadowed requests compared: closed loop %s; open loop %s%n",
                    share(closedOutcomes), share(openOutcomes));
            Results results = new Results("shadow-cost");
            Path file = results.csv("shadow,candidate_cpu,connections,open_rate,seconds,rounds,max_rps,cpu_us_per_req,"
                    + "closed_p99_ms,open_p50_ms,open_p99_ms,open_p999_ms,errors,background_cpu,open_slice_ms", csv);
            Path plot = results.percentilePlot(String.format(Locale.ROOT, "Served latency at %.0f req/s, shadow off "
                    + "vs on (healthy candidate)", rate), openH);
            System.out.println("written: " + file + ", " + plot);
        }
    }
}
