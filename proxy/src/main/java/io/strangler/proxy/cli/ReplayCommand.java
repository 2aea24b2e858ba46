package io.strangler.proxy.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strangler.comparator.Body;
import io.strangler.comparator.ComparedRequest;
import io.strangler.comparator.CompareRules;
import io.strangler.comparator.Comparison;
import io.strangler.comparator.Difference;
import io.strangler.comparator.EndpointTemplates;
import io.strangler.comparator.Observation;
import io.strangler.comparator.ResponseComparator;
import io.strangler.comparator.Verdict;
import io.strangler.proxy.config.ConfigException;
import io.strangler.proxy.config.ConfigLoader;
import io.strangler.proxy.config.ProxyConfig;
import io.strangler.proxy.config.Quantities;
import io.strangler.proxy.config.StoreConfig;
import io.strangler.proxy.exchange.RequestTarget;
import io.strangler.proxy.record.CaptureReader;
import io.strangler.proxy.record.CaptureRecord;
import io.strangler.proxy.report.ReportBuilder;
import io.strangler.proxy.shadow.ShadowOutcome;
import io.strangler.proxy.shadow.ShadowResult;
import io.strangler.proxy.store.DivergenceStore;
import io.strangler.proxy.store.StoreDatabase;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code strangler replay}: sends recorded requests to a candidate and compares its answers with the legacy answers
 * recorded with them, using the routes' compare rules, then prints what differed. Divergences are data: the exit code
 * is 0 whenever the replay ran, 1 when it could not (no capture to read), 2 for bad usage.
 */
@Command(name = "replay", description = "Replay recorded traffic against a candidate and compare with legacy's "
        + "recorded answers.", mixinStandardHelpOptions = true)
public final class ReplayCommand implements Callable<Integer> {

    /** Headers never copied from a recording: the HTTP client sets them, or they describe the old connection. */
    private static final Set<String> NOT_COPIED = Set.of("host", "content-length", "connection", "keep-alive",
            "transfer-encoding", "te", "trailer", "upgrade", "expect", "proxy-connection", "proxy-authorization",
            "x-request-id");
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");
    private static final int RETRIES = 1;

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "FILE|DIR", description = "A capture file, or a "
            + "directory of them")
    private Path from;

    @Option(names = "--candidate", required = true, paramLabel = "URL", description = "The candidate's base URL, "
            + "e.g. http://127.0.0.1:9002")
    private String candidate;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config whose routes' compare rules and "
            + "endpoint patterns to use (default: the default rules for every route)")
    private Path config;

    @Option(names = "--route", paramLabel = "ID", description = "Only this route's records")
    private String route;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "N", description = "Requests per second at most "
            + "(default: 0, as fast as --concurrency allows)")
    private double rate;

    @Option(names = "--concurrency", defaultValue = "8", paramLabel = "N", description = "Requests in flight at "
            + "most (default: ${DEFAULT-VALUE})")
    private int concurrency;

    @Option(names = "--timeout", defaultValue = "10s", paramLabel = "DURATION", description = "Per request "
            + "(default: ${DEFAULT-VALUE})")
    private String timeout;

    @Option(names = "--store", paramLabel = "URL", description = "Also write the results to this divergence store "
            + "(default: the store of --config, if it has one), as a replay run: see strangler report --run")
    private String store;

    /** How progress is shown while replaying. */
    enum Progress { auto, bar, lines, off }

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|bar|lines|off", description = "A bar "
            + "redrawn in place, a line per second (for logs), or nothing; auto: a bar on a terminal, else lines")
    private Progress progress;

    @Option(names = "--allow-unsafe", description = "Also replay POST, PUT, PATCH, DELETE... (they may change the "
            + "candidate's data); by default only GET, HEAD and OPTIONS are replayed")
    private boolean allowUnsafe;

    /** Counts for one route; updated from the sending threads. */
    private static final class RouteTally {
        final LongAdder matched = new LongAdder();
        final LongAdder diverged = new LongAdder();
        final Map<String, LongAdder> failed = new ConcurrentHashMap<>();
        final Map<String, LongAdder> differences = new ConcurrentHashMap<>();
        final Map<String, String> examples = new ConcurrentHashMap<>();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        URI base;
        Duration perRequest;
        try {
            base = URI.create(candidate.endsWith("/") ? candidate.substring(0, candidate.length() - 1) : candidate);
            if (base.getScheme() == null || !base.getScheme().matches("https?") || base.getHost() == null) {
                throw new IllegalArgumentException("expected http://host:port");
            }
            perRequest = Quantities.parseDuration(timeout);
        } catch (IllegalArgumentException e) {
            err.println("strangler replay: --candidate '" + candidate + "' or --timeout '" + timeout + "': "
                    + e.getMessage());
            return CommandLine.ExitCode.USAGE;
        }
        if (concurrency < 1 || rate < 0) {
            err.println("strangler replay: --concurrency must be at least 1 and --rate at least 0");
            return CommandLine.ExitCode.USAGE;
        }
        Map<String, CompareRules> rules = new LinkedHashMap<>();
        EndpointTemplates templates = EndpointTemplates.defaults();
        java.util.Optional<StoreConfig> storeConfig = java.util.Optional.ofNullable(store)
                .map(url -> StoreConfig.defaults().withUrl(url));
        if (config != null) {
            try {
                ProxyConfig pc = ConfigLoader.withSystemEnv().load(config);
                if (storeConfig.isEmpty()) {
                    storeConfig = pc.store();
                }
                pc.routes().forEach(r -> rules.put(r.id(), r.compare()));
                templates = EndpointTemplates.withExtraIdPatterns(pc.comparison().endpointIdPatterns());
            } catch (ConfigException e) {
                err.println(config + ": " + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            if (route != null && !rules.containsKey(route)) {
                err.println("strangler replay: --route '" + route + "' is not in " + config + " (routes: "
                        + String.join(", ", rules.keySet()) + ")");
                return CommandLine.ExitCode.USAGE;
            }
        }
        List<Path> files;
        long totalBytes;
        try {
            files = CaptureReader.files(from);
            totalBytes = CaptureReader.size(files);
        } catch (IOException e) {
            err.println("strangler replay: " + e.getMessage());
            return CommandLine.ExitCode.SOFTWARE;
        }
        if (files.isEmpty()) {
            err.println("strangler replay: " + from + ": no capture files (capture-*.jsonl.gz)");
            return CommandLine.ExitCode.SOFTWARE;
        }

        String runId = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now()) + "-"
                + Integer.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        DivergenceStore results = null;
        if (storeConfig.isPresent()) {
            StoreConfig sc = storeConfig.get();
            sc = new StoreConfig(sc.url(), sc.user(), sc.password(), ReportBuilder.Scope.REPLAY_PREFIX + runId,
                    sc.samplesPerDifference(), sc.maxBodyBytes(), sc.retention(), sc.maxSamples(), sc.queueSize(),
                    sc.flushInterval(), sc.redact());
            try {
                results = DivergenceStore.open(new StoreDatabase(sc), new SimpleMeterRegistry(), Clock.systemUTC());
            } catch (RuntimeException e) {
                err.println("strangler replay: cannot open the store at " + sc.url() + ": " + e.getMessage());
                return CommandLine.ExitCode.SOFTWARE;
            }
        }
        DivergenceStore sink = results;
        ResponseComparator comparator = new ResponseComparator(templates);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        Map<String, RouteTally> tallies = new TreeMap<>();
        AtomicLong sent = new AtomicLong();
        LongAdder skippedUnsafe = new LongAdder();
        LongAdder unknownRoute = new LongAdder();
        Semaphore inFlight = new Semaphore(concurrency);
        ExecutorService senders = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "strangler-replay");
            t.setDaemon(true);
            return t;
        });
        Progress shown = progress == Progress.auto ? (System.console() != null ? Progress.bar : Progress.lines)
                : progress;
        long started = System.nanoTime();
        long[] nextProgress = {started + TimeUnit.SECONDS.toNanos(1)};
        // Bytes of the capture read so far; written and read on this (the reading) thread only.
        long[] readBytes = {0};
        CaptureReader.Summary summary;
        try {
            summary = CaptureReader.read(from, record -> {
                if (route != null && !record.route().equals(route)) {
                    return;
                }
                if (config != null && !rules.containsKey(record.route())) {
                    unknownRoute.increment();
                    return;
                }
                if (!allowUnsafe && !SAFE.contains(record.method())) {
                    skippedUnsafe.increment();
                    return;
                }
                long n = sent.incrementAndGet();
                if (rate > 0) {
                    long due = started + (long) ((n - 1) * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        sleep(wait);
                    }
                }
                inFlight.acquireUninterruptibly();
                RouteTally tally;
                synchronized (tallies) {
                    tally = tallies.computeIfAbsent(record.route(), k -> new RouteTally());
                }
                senders.execute(() -> {
                    try {
                        replayOne(http, base, perRequest, record, comparator,
                                rules.getOrDefault(record.route(), CompareRules.defaults()), tally, sink);
                    } finally {
                        inFlight.release();
                    }
                });
                if (shown != Progress.off && System.nanoTime() > nextProgress[0]) {
                    nextProgress[0] = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                    progress(out, shown, n, readBytes[0], totalBytes, started);
                }
            }, bytes -> readBytes[0] = bytes);
        } finally {
            inFlight.acquireUninterruptibly(concurrency);
            senders.shutdown();
            if (results != null) {
                results.close();
            }
        }
        if (shown == Progress.bar && sent.get() > 0 && System.nanoTime() - started > TimeUnit.SECONDS.toNanos(1)) {
            progress(out, shown, sent.get(), totalBytes, totalBytes, started);
            out.println();
        }
        print(out, summary, tallies, sent.get(), skippedUnsafe.sum(), unknownRoute.sum(), started);
        if (results != null) {
            out.println();
            out.println("Run " + runId + " is in the store: ./strangler report --run " + runId + " --store '"
                    + storeConfig.get().url() + "'");
        }
        out.flush();
        return CommandLine.ExitCode.OK;
    }

    private static void sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Width of the progress bar, in characters. */
    static final int BAR = 30;

    /**
     * One progress report: how far through the capture files (by bytes read from disk, so it is known without a
     * first pass over the records), how many requests, how fast.
     */
    static String progressLine(Progress shown, long n, long readBytes, long totalBytes, double secs) {
        double done = totalBytes <= 0 ? 1 : Math.min(1, (double) readBytes / totalBytes);
        String counts = String.format(Locale.ROOT, "%d requests in %.0f s (%.0f/s)", n, secs, n / Math.max(secs,
                0.001));
        if (shown == Progress.bar) {
            int full = (int) Math.round(done * BAR);
            return String.format(Locale.ROOT, "\r[%s%s] %3.0f%%  %s", "#".repeat(full), ".".repeat(BAR - full),
                    done * 100, counts);
        }
        return String.format(Locale.ROOT, "replayed %s, %.0f%% of the capture read%n", counts, done * 100);
    }

    private static void progress(PrintWriter out, Progress shown, long n, long readBytes, long totalBytes,
            long started) {
        out.print(progressLine(shown, n, readBytes, totalBytes, (System.nanoTime() - started) / 1e9));
        out.flush();
    }

    /** Sends one record (one retry when the candidate cannot be reached) and counts what came of it. */
    private static void replayOne(HttpClient http, URI base, Duration perRequest, CaptureRecord r,
            ResponseComparator comparator, CompareRules rules, RouteTally tally, DivergenceStore sink) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + r.target())).timeout(perRequest)
                .method(r.method(), r.requestBody().length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(r.requestBody()));
        r.requestHeaders().forEach((name, values) -> {
            if (!NOT_COPIED.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> {
                    try {
                        b.header(name, v);
                    } catch (IllegalArgumentException restricted) {
                        // A header the JDK client sets itself; the candidate gets the client's.
                    }
                });
            }
        });
        b.header("X-Strangler-Shadow", "true").header("X-Strangler-Replay", "true").header("X-Request-Id",
                r.requestId());
        HttpRequest request = b.build();
        HttpResponse<byte[]> res = null;
        String failure = null;
        long start = 0;
        for (int attempt = 0; attempt <= RETRIES && res == null; attempt++) {
            start = System.nanoTime();
            try {
                res = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (java.net.http.HttpTimeoutException e) {
                failure = "timeout";
                break;
            } catch (IOException e) {
                failure = "unreachable";
                sleep(TimeUnit.MILLISECONDS.toNanos(200));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = "interrupted";
                break;
            }
        }
        ComparedRequest compared = new ComparedRequest(r.route(), r.method(), RequestTarget.path(r.target()));
        Observation legacy = Observation.of(r.status(), r.responseHeaders(), Body.of(r.responseBody(), false),
                Duration.ofNanos(r.durationMicros() * 1000));
        ShadowResult.RecordedRequest recorded = new ShadowResult.RecordedRequest(r.method(), r.target(),
                r.requestHeaders(), Body.of(r.requestBody(), false));
        if (res == null) {
            tally.failed.computeIfAbsent(failure, k -> new LongAdder()).increment();
            if (sink != null) {
                sink.onResult(new ShadowResult(compared, recorded, r.requestId(), "legacy", ShadowOutcome.FAILED,
                        "candidate_" + failure, java.util.Optional.empty(), java.util.Optional.of(legacy),
                        java.util.Optional.empty(), r.at()));
            }
            return;
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        res.headers().map().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        Observation cand = Observation.of(res.statusCode(), headers, Body.of(res.body(), false),
                Duration.ofNanos(System.nanoTime() - start));
        Comparison c = comparator.compare(compared, legacy, cand, rules);
        if (sink != null) {
            boolean diverged = c.verdict() == Verdict.DIVERGED;
            sink.onResult(new ShadowResult(compared, recorded, r.requestId(), "legacy",
                    diverged ? ShadowOutcome.DIVERGED : ShadowOutcome.MATCHED, diverged ? "diverged" : "matched",
                    java.util.Optional.of(c), java.util.Optional.of(legacy), java.util.Optional.of(cand), r.at()));
        }
        if (c.verdict() == Verdict.DIVERGED) {
            tally.diverged.increment();
            for (Difference d : c.differences()) {
                String key = c.endpoint() + "\t" + d.path() + "\t" + d.kind().tag();
                tally.differences.computeIfAbsent(key, k -> new LongAdder()).increment();
                tally.examples.putIfAbsent(key, d.legacy() + " → " + d.candidate());
            }
        } else {
            tally.matched.increment();
        }
    }

    private static void print(PrintWriter out, CaptureReader.Summary summary, Map<String, RouteTally> tallies,
            long sent, long unsafe, long unknown, long started) {
        double secs = Math.max(0.001, (System.nanoTime() - started) / 1e9);
        out.printf(Locale.ROOT, "Replayed %d requests from %d capture file(s) in %.1f s (%.0f/s).%n", sent,
                summary.files(), secs, sent / secs);
        if (unsafe > 0) {
            out.println("Not replayed: " + unsafe + " unsafe requests (POST, PUT, ...; --allow-unsafe to send them).");
        }
        if (unknown > 0) {
            out.println("Not replayed: " + unknown + " records of routes the config does not have.");
        }
        summary.notes().forEach(n -> out.println("Note: " + n));
        for (Map.Entry<String, RouteTally> e : tallies.entrySet()) {
            RouteTally t = e.getValue();
            long failed = t.failed.values().stream().mapToLong(LongAdder::sum).sum();
            long compared = t.matched.sum() + t.diverged.sum();
            out.printf(Locale.ROOT, "%nroute %s: %d compared, %d matched (%.1f%%), %d diverged, %d failed%s%n",
                    e.getKey(), compared, t.matched.sum(), compared == 0 ? 0.0 : 100.0 * t.matched.sum() / compared,
                    t.diverged.sum(), failed, failed == 0 ? "" : " " + failures(t));
            List<Map.Entry<String, LongAdder>> diffs = new ArrayList<>(t.differences.entrySet());
            diffs.sort((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()));
            for (Map.Entry<String, LongAdder> d : diffs) {
                String[] k = d.getKey().split("\t");
                out.printf(Locale.ROOT, "  %-24s %-28s %-14s %6d  %s%n", k[0], k[1], k[2], d.getValue().sum(),
                        t.examples.get(d.getKey()));
            }
        }
    }

    private static String failures(RouteTally t) {
        Map<String, Long> m = new TreeMap<>();
        t.failed.forEach((k, v) -> m.put(k, v.sum()));
        return m.toString();
    }
}
