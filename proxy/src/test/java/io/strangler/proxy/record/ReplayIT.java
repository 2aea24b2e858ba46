package io.strangler.proxy.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.Cli;
import io.strangler.proxy.testing.Fixtures;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.TestUpstream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Record live traffic through the real proxy, then replay the capture against a candidate and compare. */
class ReplayIT {

    @TempDir
    Path dir;

    private Path record(int requests, boolean withPost) throws Exception {
        Path capture = dir.resolve("capture");
        try (TestUpstream legacy = Fixtures.json("{\"id\":3,\"name\":\"Doohickey\",\"price\":24.99}");
             TestUpstream unused = Fixtures.json("{}");
             ProxyUnderTest proxy = ProxyUnderTest.start("store: { url: \"jdbc:h2:mem:replay-" + System.nanoTime()
                     + "\" }\n" + Fixtures.shadowConfig("orders", "legacy", legacy, unused,
                     "    record: { dir: \"" + capture + "\" }\n"))) {
            for (int i = 0; i < requests; i++) {
                assertThat(proxy.get("/api/orders/" + i).statusCode()).isEqualTo(200);
            }
            if (withPost) {
                proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/orders"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"item\":3}")).build(),
                        HttpResponse.BodyHandlers.ofString());
            }
        }
        return capture;
    }

    @Test
    void shouldFindExactlyTheDifferenceTheNewCandidateHas() throws Exception {
        Path capture = record(10, true);
        AtomicInteger replayed = new AtomicInteger();
        try (TestUpstream candidate = TestUpstream.http((ctx, req) -> {
            replayed.incrementAndGet();
            boolean marked = "true".equals(req.headers().get("X-Strangler-Replay"))
                    && "true".equals(req.headers().get("X-Strangler-Shadow"));
            ctx.writeAndFlush(Fixtures.jsonResponse(marked ? "{\"id\":3,\"name\":\"Doohickey\",\"price\":24.5}"
                    : "{\"unmarked\":true}"));
        })) {
            String store = "jdbc:h2:file:" + dir.resolve("store");
            Cli.Run run = Cli.run("replay", "--from", capture.toString(), "--candidate", candidate.url(),
                    "--concurrency", "4", "--store", store);

            assertThat(run.code()).as(run.err()).isZero();
            assertThat(run.out()).contains("Replayed 10 requests from 1 capture file(s)",
                    "Not replayed: 1 unsafe requests", "route orders: 10 compared, 0 matched (0.0%), 10 diverged, "
                            + "0 failed");
            assertThat(run.out()).containsPattern("/api/orders/\\{id} +\\$\\.price +value +10 +24\\.99 → 24\\.5");
            // Exactly that difference: no other line of differences.
            assertThat(run.out().lines().filter(l -> l.startsWith("  /api/"))).hasSize(1);
            assertThat(replayed.get()).isEqualTo(10);

            // The same results are in the store as one replay run, apart from live traffic.
            java.util.regex.Matcher id = java.util.regex.Pattern.compile("Run (\\S+) is in the store").matcher(
                    run.out());
            assertThat(id.find()).as(run.out()).isTrue();
            Cli.Run report = Cli.run("report", "--run", id.group(1), "--store", store);
            Cli.Run live = Cli.run("report", "--store", store);
            Cli.Run noSuchRun = Cli.run("report", "--run", "19990101-000000-abcd", "--store", store);

            assertThat(report.code()).as(report.err()).isZero();
            assertThat(report.out()).contains("| orders | 10 | 0.0% | 10 |", "`$.price` | value | 10 | 100.0% | "
                    + "`24.99` → `24.5`", "replay-" + id.group(1));
            assertThat(live.out()).doesNotContain("$.price").doesNotContain("replay-");
            assertThat(noSuchRun.code()).isEqualTo(2);
            assertThat(noSuchRun.err()).contains("no replay run '19990101-000000-abcd'");
        }
    }

    @Test
    void shouldSendUnsafeRequestsOnlyWhenAllowed() throws Exception {
        Path capture = record(2, true);
        java.util.Queue<String> seen = new java.util.concurrent.ConcurrentLinkedQueue<>();
        try (TestUpstream candidate = TestUpstream.http((ctx, req) -> {
            seen.add(req.method() + " " + req.uri() + " " + req.content().toString(
                    java.nio.charset.StandardCharsets.UTF_8));
            ctx.writeAndFlush(Fixtures.jsonResponse("{\"id\":3,\"name\":\"Doohickey\",\"price\":24.99}"));
        })) {
            Cli.Run safeOnly = Cli.run("replay", "--from", capture.toString(), "--candidate", candidate.url());
            List<String> afterSafe = List.copyOf(seen);
            Cli.Run all = Cli.run("replay", "--from", capture.toString(), "--candidate", candidate.url(),
                    "--allow-unsafe", "--concurrency", "1");

            assertThat(safeOnly.out()).contains("Replayed 2 requests", "Not replayed: 1 unsafe requests");
            assertThat(afterSafe).noneMatch(r -> r.startsWith("POST"));
            assertThat(all.code()).as(all.err()).isZero();
            assertThat(all.out()).contains("Replayed 3 requests").doesNotContain("unsafe");
            assertThat(seen).contains("POST /api/orders {\"item\":3}");
        }
    }

    @Test
    void shouldCountFailuresAndFinishWhenTheCandidateIsDown() throws Exception {
        Path capture = record(5, false);
        long start = System.nanoTime();
        Cli.Run run = Cli.run("replay", "--from", capture.toString(), "--candidate", "http://127.0.0.1:9");

        assertThat(run.code()).isZero();
        assertThat(run.out()).contains("route orders: 0 compared", "5 failed {unreachable=5}");
        assertThat(System.nanoTime() - start).as("bounded retries, no hang").isLessThan(30_000_000_000L);
    }

    @Test
    void shouldSkipRoutesTheConfigDoesNotHaveAndRefuseBadInput() throws Exception {
        Path capture = record(3, false);
        Path config = Files.writeString(dir.resolve("other.yaml"), "upstreams: { legacy: { url: "
                + "\"http://127.0.0.1:9\" } }\nroutes: [ { id: items, match: { pathPrefix: /api/items }, legacy: "
                + "legacy } ]\n");
        try (TestUpstream candidate = Fixtures.json("{}")) {
            Cli.Run unknown = Cli.run("replay", "--from", capture.toString(), "--candidate", candidate.url(),
                    "--config", config.toString());
            Cli.Run missing = Cli.run("replay", "--from", dir.resolve("nowhere").toString(), "--candidate",
                    candidate.url());
            Cli.Run badUrl = Cli.run("replay", "--from", capture.toString(), "--candidate", "localhost:9002");

            assertThat(unknown.code()).isZero();
            assertThat(unknown.out()).contains("Replayed 0 requests", "Not replayed: 3 records of routes the config "
                    + "does not have.");
            assertThat(missing.code()).isEqualTo(1);
            assertThat(missing.err()).contains("no such file or directory");
            assertThat(badUrl.code()).isEqualTo(2);
            assertThat(badUrl.err()).contains("expected http://host:port");
        }
    }

    @Test
    void shouldReplayWhatACutOffCaptureHoldsSaySoAndShowProgress() throws Exception {
        Path capture = record(40, false);
        List<Path> files = CaptureReader.files(capture);
        assertThat(files).hasSize(1);
        // The recording proxy was killed mid-write: the file ends inside its compressed data.
        byte[] whole = Files.readAllBytes(files.get(0));
        Files.write(files.get(0), java.util.Arrays.copyOf(whole, whole.length * 2 / 3));
        try (TestUpstream candidate = Fixtures.json("{\"id\":3,\"name\":\"Doohickey\",\"price\":24.99}")) {
            Cli.Run lines = Cli.run("replay", "--from", capture.toString(), "--candidate", candidate.url(),
                    "--rate", "15", "--progress", "lines");
            Cli.Run bar = Cli.run("replay", "--from", capture.toString(), "--candidate", candidate.url(),
                    "--rate", "15", "--progress", "bar");
            Cli.Run quiet = Cli.run("replay", "--from", capture.toString(), "--candidate", candidate.url(),
                    "--progress", "off");

            assertThat(lines.code()).as(lines.err()).isZero();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Replayed (\\d+) requests").matcher(
                    lines.out());
            assertThat(m.find()).as(lines.out()).isTrue();
            int replayed = Integer.parseInt(m.group(1));
            assertThat(replayed).as("what the file holds before the cut").isBetween(1, 39);
            assertThat(lines.out()).contains("Note: " + files.get(0).getFileName() + ": ends early (still being "
                    + "written, or the recording stopped mid-write); read the " + replayed + " records before the end", "route orders: "
                    + replayed + " compared, " + replayed + " matched");
            assertThat(lines.out()).containsPattern("(?m)^replayed \\d+ requests in \\d+ s \\(\\d+/s\\), \\d+% of "
                    + "the capture read$");
            assertThat(bar.code()).as(bar.err()).isZero();
            assertThat(bar.out()).containsPattern("\\r\\[#*\\.*\\] +\\d+%  \\d+ requests in")
                    .contains("\r[" + "#".repeat(30) + "] 100%  " + replayed + " requests")
                    .doesNotContain("replayed ");
            assertThat(quiet.out()).doesNotContain("replayed ").doesNotContain("\r[")
                    .contains("Replayed " + replayed + " requests");
        }
    }
}
