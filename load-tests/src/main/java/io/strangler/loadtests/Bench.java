package io.strangler.loadtests;

import java.util.Arrays;
import java.util.Map;

/**
 * {@code ./strangler bench <scenario> [--name value ...]}: one command per load scenario. Each prints a table
 * and writes CSV and an SVG plot to {@code load-tests/results/}. Load only ever goes to loopback addresses.
 */
public final class Bench {

    private static final String USAGE = """
            usage: ./strangler bench <scenario> [--name value ...]
              overhead     direct vs Strangler (legacy mode) vs nginx vs HAProxy, one worker each
                           [--seconds 8] [--warmup 2] [--rounds 3] [--connections 32] [--rate 10000]
                           [--slice-ms 1000] [--guard-ms 200]  (open loop: the targets take turns every slice)
                           [--closed-slices 5] [--closed-guard-ms 500]  (closed loop: each target's seconds in
                                                     this many runs, the targets taking turns; 1 = one run each)
                           [--transport auto|io_uring|epoll|nio]  (Strangler's listen.transport)
                           [--backend netty|nginx]  (nginx: a backend in C answering by itself, cheaper per
                                                     request, so the proxies run out of CPU first)
                           [--compare-jvm "<JVM options>"]  (adds strangler-b: a second Strangler with these
                                                     options too, measured in the same rounds and slices)
                           [--compare-jar <jar>]  (strangler-b runs this build instead: A/B of two builds)
                           [--request minimal|browser]  (browser: each request also carries the ~490 bytes of
                                                     headers of a browser's API call; minimal: Host only)
                           [--request-decoder strangler|netty]  (Strangler's listen.requestDecoder)
                           [--compare-decoder netty|strangler]  (adds strangler-b with this request decoder)
                           [--response-decoder strangler|netty]  (the upstream's responseDecoder)
                           [--compare-response-decoder strangler|netty]  (adds strangler-b with this one)
              shadow-cost  Strangler with shadowing off vs on (healthy candidate)
                           [--seconds 8] [--warmup 2] [--rounds 3] [--connections 32] [--rate 5000] [--io-threads 1]
               [--background-cpu idle|low|normal]  (the proxy's shadowing.backgroundCpu)
               [--candidate-cpu normal|idle]  (idle: the candidate backend runs at SCHED_IDLE, as if elsewhere)
               [--slice-ms 1000] [--guard-ms 200]  (open loop: off and on alternate every slice; the first
                                                    guard-ms of each slice is sent but not recorded)
              isolation    served latency with a healthy, hung, 2 s slow and 50%-failing candidate
                           [--rate 2000] [--seconds 10] [--warmup 3] [--rounds 3] [--connections 32]
              soak         a long fixed-rate run with shadowing, watching RSS and heap
                           [--minutes 10] [--rate 2000] [--warmup-minutes 1] [--heap 256m]
              scaling      two instances on one PostgreSQL: toggle propagation between them, and divergence
                           sample writes per second into H2 and PostgreSQL
                           [--flips 20] [--seconds 10] [--store-rates 2000,5000,10000]
              capture      records written per second by the capture writer, then the replay rate of that
                           capture against a fast local backend   [--seconds 3] [--replay-concurrency 8]
            every scenario also takes --jar (default proxy/target/strangler.jar) and --proxy-jvm "<JVM options>"
            for the Strangler process (e.g. "-XX:StartFlightRecording=filename=s.jfr,settings=profile"), and
            --proxy-cpus LIST to pin it with taskset (e.g. taskset -c 0 ./strangler bench shadow-cost --proxy-cpus 1)""";

    private Bench() {
    }

    /** The whole-number option {@code name}, or {@code fallback} when it is not given. */
    static int integer(Map<String, String> opt, String name, int fallback) {
        return opt.containsKey(name) ? Integer.parseInt(opt.get(name)) : fallback;
    }

    /** The {@code upstreams:} section with a legacy and a candidate on loopback. */
    static String upstreamsYaml(Backend legacy, Backend candidate) {
        return "upstreams:\n"
                + "  legacy: { url: \"http://127.0.0.1:" + legacy.port() + "\" }\n"
                + "  candidate: { url: \"http://127.0.0.1:" + candidate.port() + "\" }\n";
    }

    /** Extra JVM options for the Strangler process ({@code --proxy-jvm "-Xmx512m -XX:+UseParallelGC"}). */
    static java.util.List<String> proxyJvm(Map<String, String> opt) {
        return jvmOptions(opt, "proxy-jvm");
    }

    /** The JVM options in option {@code name}, split at white space; none when it is absent or blank. */
    static java.util.List<String> jvmOptions(Map<String, String> opt, String name) {
        String v = opt.getOrDefault(name, "").trim();
        return v.isEmpty() ? java.util.List.of() : java.util.List.of(v.split("\\s+"));
    }

    /** Removes {@code dir} and everything under it, as far as it can: a benchmark's temporary files. */
    static void deleteTree(java.nio.file.Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The numeric option {@code name}, or {@code fallback} when it is not given. */
    static double number(Map<String, String> opt, String name, double fallback) {
        return opt.containsKey(name) ? Double.parseDouble(opt.get(name)) : fallback;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        Map<String, String> opt;
        try {
            opt = IsolationBenchmark.options(Arrays.copyOfRange(args, 1, args.length));
        } catch (IllegalArgumentException e) {
            System.err.println("strangler bench: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        try {
            runScenario(args[0], opt);
        } catch (IllegalArgumentException e) {
            // An option with a value the scenario cannot use: nothing was measured.
            System.err.println("strangler bench " + args[0] + ": " + e.getMessage());
            System.exit(2);
        }
        // Netty's and the HTTP client's threads may linger a moment; the figures are written.
        System.exit(0);
    }

    private static void runScenario(String scenario, Map<String, String> opt) throws Exception {
        switch (scenario) {
            case "overhead" -> OverheadBenchmark.run(opt);
            case "shadow-cost" -> ShadowCostBenchmark.run(opt);
            case "isolation" -> IsolationBenchmark.run(opt);
            case "soak" -> SoakBenchmark.run(opt);
            case "scaling" -> ScalingBenchmark.run(opt);
            case "capture" -> CaptureBenchmark.run(opt);
            default -> {
                System.err.println("strangler bench: unknown scenario '" + scenario + "'\n" + USAGE);
                System.exit(2);
            }
        }
    }
}
