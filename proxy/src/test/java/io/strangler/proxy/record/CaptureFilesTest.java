package io.strangler.proxy.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.config.StoreConfig;
import io.strangler.proxy.store.Redactor;
import io.strangler.proxy.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The capture files: what is written, rotation and the disk cap, and every kind of damage a reader meets. */
class CaptureFilesTest {

    @TempDir
    Path dir;

    private static final Redactor REDACT = new Redactor(new StoreConfig.Redaction(List.of(),
            List.of("$.password"), List.of("token")));

    static CaptureRecord record(int i, byte[] responseBody) {
        return new CaptureRecord(Instant.parse("2026-11-30T10:00:00Z").plusSeconds(i), "orders", "req-" + i, "POST",
                "/api/orders/" + i + "?token=secret-" + i + "&page=2",
                Map.of("content-type", List.of("application/json"), "authorization", List.of("Bearer abc")),
                ("{\"item\":" + i + ",\"password\":\"hunter2\"}").getBytes(StandardCharsets.UTF_8), 200,
                Map.of("content-type", List.of("application/json")), responseBody, 1500, "sampled");
    }

    private CaptureWriter writer(long rotateBytes, int maxFiles, long maxBodyBytes) {
        return new CaptureWriter(new CaptureWriter.Settings(dir, rotateBytes, maxFiles, maxBodyBytes, 1000, "a"),
                REDACT, Clock.systemUTC());
    }

    private List<CaptureRecord> readAll(Path from, List<String> notes) throws IOException {
        List<CaptureRecord> out = new ArrayList<>();
        CaptureReader.Summary s = CaptureReader.read(from, out::add);
        notes.addAll(s.notes());
        return out;
    }

    @Test
    void shouldWriteRedactedRecordsThatReadBackAsWritten() throws Exception {
        byte[] binary = {0, (byte) 0xff, 0x10, (byte) 0x80};
        try (CaptureWriter w = writer(1 << 20, 10, 1 << 20)) {
            assertThat(w.offer(record(1, "{\"id\":1}".getBytes(StandardCharsets.UTF_8)))).isTrue();
            assertThat(w.offer(record(2, binary))).isTrue();
        }
        List<String> notes = new ArrayList<>();
        List<CaptureRecord> back = readAll(dir, notes);

        assertThat(notes).isEmpty();
        assertThat(back).hasSize(2);
        CaptureRecord first = back.get(0);
        assertThat(first.requestId()).isEqualTo("req-1");
        assertThat(first.target()).isEqualTo("/api/orders/1?token=[redacted]&page=2");
        assertThat(first.requestHeaders().get("authorization")).containsExactly("[redacted]");
        assertThat(new String(first.requestBody(), StandardCharsets.UTF_8)).contains("\"password\":\"[redacted]\"")
                .doesNotContain("hunter2");
        assertThat(new String(first.responseBody(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":1}");
        assertThat(back.get(1).responseBody()).isEqualTo(binary);
        // Plain JSON Lines inside gzip: readable with zcat and jq.
        String text = gunzip(CaptureReader.files(dir).get(0));
        assertThat(text.lines().findFirst().orElseThrow()).contains("\"format\":\"strangler-capture\"",
                "\"version\":1");
        assertThat(text).doesNotContain("secret-1", "hunter2", "Bearer abc");
    }

    @Test
    void shouldRotateFilesAndKeepOnlyTheNewestOnes() throws Exception {
        byte[] body = "x".repeat(500).getBytes(StandardCharsets.UTF_8);
        try (CaptureWriter w = writer(2_000, 3, 1 << 20)) {
            for (int i = 0; i < 40; i++) {
                w.offer(record(i, body));
                // One second apart in file names is not needed: the sequence number orders them.
            }
        }
        List<Path> files = CaptureReader.files(dir);
        List<String> notes = new ArrayList<>();
        List<CaptureRecord> back = readAll(dir, notes);

        assertThat(files).hasSize(3);
        assertThat(notes).isEmpty();
        // The oldest files went first: what is left is the newest records, in order.
        assertThat(back).isNotEmpty().hasSizeLessThan(40);
        assertThat(back.get(back.size() - 1).requestId()).isEqualTo("req-39");
    }

    @Test
    void shouldSkipARecordLargerThanMaxBytesAndKeepTheRest() throws Exception {
        byte[] huge = new byte[100 << 20];
        try (CaptureWriter w = writer(1 << 20, 10, 1 << 20)) {
            assertThat(w.offer(record(1, huge))).isFalse();
            assertThat(w.offer(record(2, "{}".getBytes(StandardCharsets.UTF_8)))).isTrue();
            assertThat(w.tooLarge()).isEqualTo(1);
        }
        assertThat(readAll(dir, new ArrayList<>())).extracting(CaptureRecord::requestId).containsExactly("req-2");
    }

    @Test
    void shouldTurnRecordingOffLoudlyWhenTheDirectoryCannotBeWritten() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("occupied"), "a file where the directory should be");
        CaptureWriter w = new CaptureWriter(new CaptureWriter.Settings(notADirectory, 1 << 20, 10, 1 << 20, 1000,
                "a"), REDACT, Clock.systemUTC());
        try {
            w.offer(record(1, new byte[0]));
            Fixtures.awaitTrue(w::failed);
            boolean taken = w.offer(record(2, new byte[0]));

            assertThat(taken).isFalse();
            assertThat(w.written()).isZero();
            assertThat(w.dropped()).isEqualTo(2);
        } finally {
            w.close();
        }
    }

    @Test
    void shouldReadWhatIsLeftOfACutOffLastLineATruncatedFileAndACorruptOne() throws Exception {
        try (CaptureWriter w = writer(1 << 20, 10, 1 << 20)) {
            for (int i = 0; i < 5; i++) {
                w.offer(record(i, "{\"ok\":true}".getBytes(StandardCharsets.UTF_8)));
            }
        }
        Path good = CaptureReader.files(dir).get(0);
        String text = gunzip(good);
        Files.delete(good);
        // 1. A cut-off last line, as a killed writer leaves it.
        Files.write(dir.resolve("capture-a-1.jsonl.gz"), gzip(text + text.lines().skip(1).findFirst().orElseThrow()
                .substring(0, 40)));
        // 2. A file that simply ends early: the second half of its gzip stream is missing.
        byte[] whole = gzip(text);
        Files.write(dir.resolve("capture-a-2.jsonl.gz"), java.util.Arrays.copyOf(whole, whole.length / 2));
        // 3. Garbage in the middle of the deflate data.
        byte[] corrupt = gzip(text.repeat(20));
        for (int i = corrupt.length / 2; i < corrupt.length / 2 + 64; i++) {
            corrupt[i] = (byte) 0x5a;
        }
        Files.write(dir.resolve("capture-a-3.jsonl.gz"), corrupt);
        // 4. An older format version, and a file that is not a capture at all.
        Files.write(dir.resolve("capture-a-4.jsonl.gz"), gzip("{\"format\":\"strangler-capture\",\"version\":0}\n"
                + text.lines().skip(1).findFirst().orElseThrow() + "\n"));
        Files.writeString(dir.resolve("notes.jsonl"), "hello\n");

        List<String> notes = new ArrayList<>();
        List<CaptureRecord> back = readAll(dir, notes);

        // File 1 gives its 5 whole records (file 3 some, depending on where the damage falls in the compressed
        // stream); nothing stops at a damaged file: files 4 and 5 after it are still looked at.
        assertThat(back.size()).as("records read").isGreaterThanOrEqualTo(5);
        String said = String.join("\n", notes);
        assertThat(said).contains("capture-a-1.jsonl.gz: the last line is cut off", "capture-a-2.jsonl.gz: ends early",
                "capture-a-4.jsonl.gz: skipped, capture format version 0 is older",
                "notes.jsonl: skipped, not a Strangler capture file");
        // Damaged deflate data shows either as a gzip error or as garbage lines followed by an early end.
        assertThat(said).containsPattern("capture-a-3.jsonl.gz: (damaged gzip data|ends early|\\d+ unreadable)");
        assertThat(notes).as("one note per problem, not one per garbage line").hasSizeLessThan(10);
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return b.toByteArray();
    }

    private static String gunzip(Path file) throws IOException {
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(file))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
