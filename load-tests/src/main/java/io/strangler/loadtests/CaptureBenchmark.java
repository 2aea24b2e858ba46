package io.strangler.loadtests;

import io.strangler.proxy.Main;
import io.strangler.proxy.config.StoreConfig;
import io.strangler.proxy.record.CaptureRecord;
import io.strangler.proxy.record.CaptureWriter;
import io.strangler.proxy.store.Redactor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * How fast recording writes and replay sends: one thread offers records (a 70-byte JSON answer, typical headers) to
 * the capture writer for {@code --seconds}, as fast as the writer takes them; then {@code strangler replay} sends the
 * capture to a fast local backend.
 *
 * <pre>
 * ./strangler bench capture [--seconds 3] [--replay-concurrency 8]
 * </pre>
 */
final class CaptureBenchmark {

    private CaptureBenchmark() {
    }

    static void run(Map<String, String> opt) throws Exception {
        int seconds = Bench.integer(opt, "seconds", 3);
        int concurrency = Bench.integer(opt, "replay-concurrency", 8);
        Path dir = Files.createTempDirectory("strangler-capture-bench");
        byte[] answer = Backend.BODY.getBytes(StandardCharsets.UTF_8);
        Map<String, List<String>> requestHeaders = Map.of("accept", List.of("application/json"), "user-agent",
                List.of("bench/1.0"), "authorization", List.of("Bearer secret"));
        Map<String, List<String>> responseHeaders = Map.of("content-type", List.of("application/json"));
        long offered = 0;
        long start = System.nanoTime();
        CaptureWriter w = new CaptureWriter(new CaptureWriter.Settings(dir, 64L << 20, 1000, 1 << 20, 10_000, "bench"),
                new Redactor(StoreConfig.Redaction.none()), Clock.systemUTC());
        long end = start + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            CaptureRecord r = new CaptureRecord(Instant.now(), "items", "req-" + offered, "GET", "/items/" + offered,
                    requestHeaders, new byte[0], 200, responseHeaders, answer, 900, "sampled");
            if (!w.offer(r)) {
                // Queue full: wait for the writer instead of counting drops, to measure what it sustains.
                Thread.onSpinWait();
                continue;
            }
            offered++;
        }
        w.close();
        double secs = (System.nanoTime() - start) / 1e9;
        long bytes;
        try (Stream<Path> s = Files.list(dir)) {
            bytes = s.mapToLong(p -> p.toFile().length()).sum();
        }
        System.out.printf(Locale.ROOT, "capture: %d records written in %.1f s: %.0f records/s, %.1f MiB on disk "
                + "(%.0f bytes per record, gzip; the offering thread waited whenever the queue was full)%n",
                w.written(), secs, w.written() / secs, bytes / 1048576.0, (double) bytes / Math.max(1, w.written()));
        try (Backend candidate = new Backend(Backend.Behaviour.FAST, 1)) {
            StringWriter out = new StringWriter();
            var cli = Main.newCommandLine();
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(out));
            long replayStart = System.nanoTime();
            int code = cli.execute("replay", "--from", dir.toString(), "--candidate", "http://127.0.0.1:"
                    + candidate.port(), "--concurrency", String.valueOf(concurrency));
            double replaySecs = (System.nanoTime() - replayStart) / 1e9;
            String first = out.toString().lines().filter(l -> l.startsWith("Replayed")).findFirst().orElse("");
            System.out.printf(Locale.ROOT, "replay (exit %d, concurrency %d): %s  [%.1f s wall]%n", code, concurrency,
                    first, replaySecs);
        }
    }
}
