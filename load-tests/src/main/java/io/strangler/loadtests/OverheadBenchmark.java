package io.strangler.loadtests;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.HdrHistogram.Histogram;

/**
 * What a plain reverse proxy costs: one fast backend (our Netty one, or with {@code --backend nginx} nginx answering
 * by itself, which costs the machine less CPU per request, so the proxies run out of CPU first), reached directly,
 * through Strangler (a route in {@code legacy} mode, one I/O thread), through nginx (one worker) and through HAProxy
 * (one thread), under the same load: closed loop for the most each can do (and each proxy's CPU time per answer),
 * then open loop at a fixed rate for latency at equal load.
 * Closed-loop runs are interleaved round by round (after an uncounted warm-up round); in the open loop the targets
 * take turns slice by slice within one run (see {@link LoadGenerator}), so drift hits them alike.
 *
 * <pre>
 * ./strangler bench overhead [--seconds 8] [--warmup 2] [--rounds 3] [--connections 32] [--rate 10000]
 *     [--slice-ms 1000] [--guard-ms 200] [--transport auto|io_uring|epoll|nio] [--backend netty|nginx]
 *     [--compare-jvm "&lt;JVM options&gt;"] [--compare-jar path/to/other/strangler.jar]
 *     [--closed-slices 5] [--closed-guard-ms 500] [--request minimal|browser]
 *     [--request-decoder strangler|netty] [--compare-decoder strangler|netty]
 *     [--response-decoder strangler|netty] [--compare-response-decoder strangler|netty]
 * </pre>
 */
final class OverheadBenchmark {

    private OverheadBenchmark() {
    }

    /** The option {@code name} as a {@code listen.requestDecoder} or {@code responseDecoder} value, or {@code fallback}. */
    private static String decoder(Map<String, String> opt, String name, String fallback) {
        String d = opt.getOrDefault(name, fallback);
        if (!d.equals("netty") && !d.equals("strangler")) {
            throw new IllegalArgumentException("--" + name + " must be netty or strangler, not " + d);
        }
        return d;
    }

    /** Strangler's listen section; the decoder key only when it is not the default, so older builds can run. */
    private static String listen(Map<String, String> opt, String decoder) {
        return "listen: { host: 127.0.0.1, port: 0, ioThreads: 1, transport: " + opt.getOrDefault("transport", "auto")
                + (decoder.equals("strangler") ? "" : ", requestDecoder: " + decoder) + " }\n";
    }

    /** Strangler's upstream and route; the decoder key only when it is not the default, so older builds can run. */
    private static String upstreams(int backendPort, String responseDecoder) {
        return "upstreams: { legacy: { url: \"http://127.0.0.1:" + backendPort + "\""
                + (responseDecoder.equals("strangler") ? "" : ", responseDecoder: " + responseDecoder) + " } }\n"
                + "routes: [ { id: all, match: { pathPrefix: / }, legacy: legacy } ]\n";
    }

    static void run(Map<String, String> opt) throws Exception {
        int seconds = Bench.integer(opt, "seconds", 8);
        int warmUp = Bench.integer(opt, "warmup", 2);
        int rounds = Bench.integer(opt, "rounds", 3);
        int connections = Bench.integer(opt, "connections", 32);
        double rate = Bench.number(opt, "rate", 10000);
        int sliceMillis = Bench.integer(opt, "slice-ms", 1000);
        int guardMillis = Bench.integer(opt, "guard-ms", 200);
        int closedSlices = Bench.integer(opt, "closed-slices", 5);
        if (closedSlices < 1 || closedSlices > seconds * 10) {
            throw new IllegalArgumentException("--closed-slices must be 1.." + seconds * 10 + " (slices of 100 ms "
                    + "or more), not " + closedSlices);
        }
        Duration closedSlice = Duration.ofMillis(seconds * 1000L / closedSlices);
        Duration closedGuard = Duration.ofMillis(Bench.integer(opt, "closed-guard-ms", 500));
        String backendKind = opt.getOrDefault("backend", "netty");
        if (!backendKind.equals("netty") && !backendKind.equals("nginx")) {
            throw new IllegalArgumentException("--backend must be netty or nginx, not " + backendKind);
        }
        String requestKind = opt.getOrDefault("request", "minimal");
        if (!requestKind.equals("minimal") && !requestKind.equals("browser")) {
            throw new IllegalArgumentException("--request must be minimal or browser, not " + requestKind);
        }
        // minimal: only Host, as most load tools send; browser: the ~490 bytes of headers of a browser's API call.
        List<Map.Entry<String, String>> headers = requestKind.equals("browser") ? LoadGenerator.BROWSER_HEADERS
                : List.of();
        String decoder = decoder(opt, "request-decoder", "strangler");
        String compareDecoder = decoder(opt, "compare-decoder", decoder);
        String responseDecoder = decoder(opt, "response-decoder", "strangler");
        String compareResponseDecoder = decoder(opt, "compare-response-decoder", responseDecoder);
        Path jar = ProxyProcess.jar(opt.get("jar"));
        AutoCloseable backend;
        int backendPort;
        if (backendKind.equals("netty")) {
            Backend netty = new Backend(Backend.Behaviour.FAST, 1);
            backend = netty;
            backendPort = netty.port();
        } else {
            Optional<Peer> nginx = Peer.nginxBackend(Backend.BODY);
            if (nginx.isEmpty()) {
                throw new IllegalStateException("--backend nginx needs nginx installed");
            }
            backend = nginx.get();
            backendPort = nginx.get().port();
        }
        try (backend) {
            String yaml = listen(opt, decoder) + upstreams(backendPort, responseDecoder);
            Map<String, Integer> targets = new LinkedHashMap<>();
            // The proxies' processes, whose CPU time is read around each closed-loop run.
            Map<String, Long> pids = new LinkedHashMap<>();
            List<AutoCloseable> running = new ArrayList<>();
            try {
                targets.put("direct", backendPort);
                ProxyProcess strangler = ProxyProcess.start(jar, yaml, Bench.proxyJvm(opt), opt);
                running.add(strangler);
                targets.put("strangler", strangler.port());
                pids.put("strangler", strangler.pid());
                List<String> compareJvm = Bench.jvmOptions(opt, "compare-jvm");
                String compareJar = opt.get("compare-jar");
                if (!compareJvm.isEmpty() || compareJar != null || !compareDecoder.equals(decoder)
                        || !compareResponseDecoder.equals(responseDecoder)) {
                    // A second Strangler with other JVM options or another build, measured in the same rounds and
                    // slices as the first, so that a difference between them is not the machine's drift. Its admin
                    // listener takes a free port and its store a file of its own, since the first has the defaults.
                    List<String> jvm = new ArrayList<>(Bench.proxyJvm(opt));
                    jvm.addAll(compareJvm);
                    Path jarB = compareJar == null ? jar : ProxyProcess.jar(compareJar);
                    Path storeDir = java.nio.file.Files.createTempDirectory("strangler-bench-b");
                    // Closed in reverse order: the process stops before its store's files are removed.
                    running.add(() -> Bench.deleteTree(storeDir));
                    ProxyProcess b = ProxyProcess.start(jarB, listen(opt, compareDecoder)
                            + upstreams(backendPort, compareResponseDecoder)
                            + "admin: { port: 0 }\nstore: { url: \"jdbc:h2:file:"
                            + storeDir.resolve("store") + "\" }\n", jvm, opt);
                    running.add(b);
                    targets.put("strangler-b", b.port());
                    pids.put("strangler-b", b.pid());
                    System.out.println("strangler-b: Strangler" + (compareJar == null ? "" : " from " + compareJar)
                            + (compareJvm.isEmpty() ? "" : " with " + String.join(" ", compareJvm))
                            + (compareDecoder.equals(decoder) ? "" : ", listen.requestDecoder: " + compareDecoder)
                            + (compareResponseDecoder.equals(responseDecoder) ? ""
                                    : ", responseDecoder: " + compareResponseDecoder));
                }
                for (Peer.Kind kind : Peer.Kind.values()) {
                    var peer = Peer.start(kind, backendPort, Optional.ofNullable(opt.get("proxy-cpus")));
                    if (peer.isPresent()) {
                        running.add(peer.get());
                        targets.put(kind.name().toLowerCase(Locale.ROOT), peer.get().port());
                        pids.put(kind.name().toLowerCase(Locale.ROOT), peer.get().pid());
                    }
                }
                System.out.printf(Locale.ROOT, "overhead: %s backend, %s requests; closed loop (%d connections) "
                        + "and open loop at %.0f req/s, %d s measured (+%d s warm-up) each, %d rounds, interleaved "
                        + "(closed loop: %d runs of %d ms per target in turns, each after the first warmed for %d ms; "
                        + "open loop: targets alternating every %d ms, the first %d ms of each not recorded)%n",
                        backendKind, requestKind, connections, rate, seconds, warmUp, rounds, closedSlices,
                        closedSlice.toMillis(), closedGuard.toMillis(), sliceMillis, guardMillis);
                Map<String, Histogram> closedH = new LinkedHashMap<>();
                Map<String, Histogram> openH = new LinkedHashMap<>();
                Map<String, long[]> closedN = new LinkedHashMap<>();
                Map<String, long[]> openN = new LinkedHashMap<>();
                Map<String, double[]> closedSeconds = new LinkedHashMap<>();
                Map<String, double[]> closedCpu = new LinkedHashMap<>();
                // Open loop: all targets in one run, taking turns slice by slice, so each sees the same minutes of
                // this machine; as long as it takes for each to get `seconds` of due times.
                Map<String, LoadGenerator.Target> load = new LinkedHashMap<>();
                targets.forEach((name, port) -> load.put(name,
                        new LoadGenerator.Target(LoadGenerator.loopback(port), "/items/1", headers)));
                List<LoadGenerator.Target> alternating = List.copyOf(load.values());
                for (int round = 0; round <= rounds; round++) {
                    Map<String, LoadGenerator.Result> closedRuns = new LinkedHashMap<>();
                    Map<String, Double> cpuUsed = new LinkedHashMap<>();
                    // One unreadable slice makes a target's CPU unknown for the round.
                    Set<String> cpuUnknown = new HashSet<>();
                    // Closed loop: each target's `seconds` cut into `closedSlices` runs taken in turns (A, B, C, A,
                    // B, C, ...), so that the CPU per answer of two proxies is read over the same minutes of the
                    // machine; each run after the first warms up for `closedGuard` unmeasured.
                    for (int slice = 0; slice < closedSlices; slice++) {
                        for (Map.Entry<String, Integer> t : targets.entrySet()) {
                            LoadGenerator.Plan plan = new LoadGenerator.Plan(load.get(t.getKey()), connections, 0,
                                    slice == 0 ? Duration.ofSeconds(warmUp) : closedGuard, closedSlice,
                                    Long.MAX_VALUE);
                            Long pid = pids.get(t.getKey());
                            LoadGenerator.Result r;
                            if (pid == null) {
                                r = LoadGenerator.run(plan);
                            } else {
                                ProcessCpu.Measured m = ProcessCpu.during(pid, plan);
                                r = m.result();
                                if (m.cpuSeconds() < 0) {
                                    cpuUnknown.add(t.getKey());
                                } else {
                                    cpuUsed.merge(t.getKey(), m.cpuSeconds(), Double::sum);
                                }
                            }
                            closedRuns.merge(t.getKey(), r, OverheadBenchmark::merge);
                        }
                    }
                    cpuUsed.keySet().removeAll(cpuUnknown);
                    LoadGenerator.Result open = LoadGenerator.run(LoadGenerator.Plan.alternating(alternating,
                            Duration.ofMillis(sliceMillis), Duration.ofMillis(guardMillis), connections, rate,
                            Duration.ofSeconds(warmUp), seconds));
                    if (round == 0) {
                        continue;
                    }
                    int i = 0;
                    for (String t : targets.keySet()) {
                        LoadGenerator.Result closed = closedRuns.get(t);
                        Histogram o = open.byTarget().get(i);
                        long openErrors = addOpen(openH, openN, t, open, i++);
                        Double cpu = cpuUsed.get(t);
                        System.out.printf(Locale.ROOT, "round %d  %-10s closed %9.0f req/s p99 %7.3f ms %s %d errors "
                                + "| open p50 %7.3f ms p99 %7.3f ms  %d errors%n", round, t, closed.throughput(),
                                closed.percentileMillis(99), cpu == null ? "             "
                                        : String.format(Locale.ROOT, "%5.1f µs CPU", cpu * 1e6 / closed.requests()),
                                closed.errors(), LoadGenerator.Result.millis(o, 50), LoadGenerator.Result.millis(o, 99),
                                openErrors);
                        if (cpu != null) {
                            closedCpu.computeIfAbsent(t, k -> new double[1])[0] += cpu;
                        }
                        add(closedH, closedN, t, closed);
                        closedSeconds.computeIfAbsent(t, k -> new double[1])[0] += closed.seconds();
                    }
                }
                report(targets, closedH, closedN, closedSeconds, closedCpu, openH, openN, connections, rate, seconds,
                        rounds, sliceMillis, backendKind, requestKind);
            } finally {
                for (int i = running.size() - 1; i >= 0; i--) {
                    running.get(i).close();
                }
            }
        }
    }

    /**
     * Adds target {@code index} of an alternating open-loop run to {@code key}'s histogram and error count
     * ({@code ns} as in {@link #add}); returns that target's errors.
     */
    static long addOpen(Map<String, Histogram> hs, Map<String, long[]> ns, String key, LoadGenerator.Result open,
            int index) {
        hs.computeIfAbsent(key, k -> LoadGenerator.histogram()).add(open.byTarget().get(index));
        long errors = open.errorsByTarget().get(index);
        ns.computeIfAbsent(key, k -> new long[2])[1] += errors;
        return errors;
    }

    /** Two closed-loop runs against one target as one: answers, errors, seconds and latencies added up. */
    static LoadGenerator.Result merge(LoadGenerator.Result a, LoadGenerator.Result b) {
        Histogram h = LoadGenerator.histogram();
        h.add(a.latencyMicros());
        h.add(b.latencyMicros());
        return new LoadGenerator.Result(a.requests() + b.requests(), a.errors() + b.errors(),
                a.seconds() + b.seconds(), h, a.reconnects() + b.reconnects(), List.of(h),
                List.of(a.errors() + b.errors()));
    }

    static void add(Map<String, Histogram> hs, Map<String, long[]> ns, String key, LoadGenerator.Result r) {
        hs.computeIfAbsent(key, k -> LoadGenerator.histogram()).add(r.latencyMicros());
        long[] n = ns.computeIfAbsent(key, k -> new long[2]);
        n[0] += r.requests();
        n[1] += r.errors();
    }

    private static void report(Map<String, Integer> targets, Map<String, Histogram> closedH,
            Map<String, long[]> closedN, Map<String, double[]> closedSeconds, Map<String, double[]> closedCpu,
            Map<String, Histogram> openH,
            Map<String, long[]> openN, int connections, double rate, int seconds, int rounds, int sliceMillis,
            String backendKind, String requestKind) throws Exception {
        double nginx = closedH.containsKey("nginx") ? closedN.get("nginx")[0] / closedSeconds.get("nginx")[0] : 0;
        StringBuilder table = new StringBuilder("| target | max req/s | vs nginx | CPU µs/req | closed p99 ms "
                + "| open p50 ms | open p99 ms | open p99.9 ms | errors |\n|---|---|---|---|---|---|---|---|---|\n");
        List<String> csv = new ArrayList<>();
        for (String t : targets.keySet()) {
            double tput = closedN.get(t)[0] / closedSeconds.get(t)[0];
            Histogram c = closedH.get(t);
            Histogram o = openH.get(t);
            long errors = closedN.get(t)[1] + openN.get(t)[1];
            // The proxy's own CPU time per answer at full speed (closed loop); none for the backend reached directly.
            String cpu = closedCpu.containsKey(t)
                    ? String.format(Locale.ROOT, "%.1f", closedCpu.get(t)[0] * 1e6 / closedN.get(t)[0]) : "";
            table.append(String.format(Locale.ROOT, "| %s | %.0f | %s | %s | %.3f | %.3f | %.3f | %.3f | %d |%n", t,
                    tput, nginx > 0 ? String.format(Locale.ROOT, "%.2f×", tput / nginx) : "–",
                    cpu.isEmpty() ? "–" : cpu, c.getValueAtPercentile(99) / 1000.0,
                    o.getValueAtPercentile(50) / 1000.0, o.getValueAtPercentile(99) / 1000.0,
                    o.getValueAtPercentile(99.9) / 1000.0, errors));
            csv.add(String.format(Locale.ROOT, "%s,%d,%.0f,%d,%d,%.0f,%.3f,%.3f,%.3f,%.3f,%d,%d,%s,%s,%s", t,
                    connections, rate, seconds, rounds, tput, c.getValueAtPercentile(99) / 1000.0,
                    o.getValueAtPercentile(50) / 1000.0, o.getValueAtPercentile(99) / 1000.0,
                    o.getValueAtPercentile(99.9) / 1000.0, errors, sliceMillis, backendKind, cpu,
                    requestKind));
        }
        System.out.println();
        System.out.print(table);
        Results results = new Results("overhead");
        Path file = results.csv("target,connections,open_rate,seconds,rounds,max_rps,closed_p99_ms,open_p50_ms,"
                + "open_p99_ms,open_p999_ms,errors,open_slice_ms,backend,closed_cpu_us_per_req,requests", csv);
        Path plot = results.percentilePlot(String.format(Locale.ROOT, "Latency at %.0f req/s (open loop), "
                + "plain reverse proxy, %s backend, %s requests", rate, backendKind, requestKind), openH);
        System.out.println("\nwritten: " + file + ", " + plot);
    }
}
