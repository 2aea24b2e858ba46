package io.strangler.proxy.record;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads capture files (one, or every {@code capture-*.jsonl.gz} and {@code *.jsonl} in a directory, oldest first)
 * and hands each record to a consumer. Damage is reported, never fatal for the rest: a file that ends early (the
 * recording proxy was killed mid-write) gives what it holds and a note, a corrupt gzip file gives what was read
 * before the damage and a note, an unparseable line is skipped and counted, and a file of another format version is
 * skipped with the reason.
 */
public final class CaptureReader {

    /** What reading found besides the records. */
    public record Summary(int files, long records, long badLines, List<String> notes) {
    }

    private CaptureReader() {
    }

    /** The capture files {@code from} names: itself if it is a file, else the capture files in it, sorted. */
    public static List<Path> files(Path from) throws IOException {
        if (Files.isRegularFile(from)) {
            return List.of(from);
        }
        if (!Files.isDirectory(from)) {
            throw new IOException(from + ": no such file or directory");
        }
        try (Stream<Path> s = Files.list(from)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return Files.isRegularFile(p) && (n.endsWith(".jsonl.gz") || n.endsWith(".jsonl"));
            }).sorted().toList();
        }
    }

    /** Bytes on disk of capture files (from {@link #files}): what {@link #read}'s progress counts up to. */
    public static long size(List<Path> files) throws IOException {
        long total = 0;
        for (Path f : files) {
            total += Files.size(f);
        }
        return total;
    }

    /** Reads every record of {@code from} into {@code sink}, in file order. */
    public static Summary read(Path from, Consumer<CaptureRecord> sink) throws IOException {
        return read(from, sink, bytes -> { });
    }

    /**
     * Reads every record of {@code from} into {@code sink}, in file order, telling {@code progress} (on the calling
     * thread) how many bytes of the files on disk have been read so far, out of {@link #size}.
     */
    public static Summary read(Path from, Consumer<CaptureRecord> sink, LongConsumer progress) throws IOException {
        List<Path> files = files(from);
        List<String> notes = new ArrayList<>();
        long records = 0;
        long bad = 0;
        long before = 0;
        for (Path f : files) {
            long base = before;
            long[] counts = readFile(f, sink, notes, n -> progress.accept(base + n));
            before += Files.size(f);
            records += counts[0];
            bad += counts[1];
        }
        if (files.isEmpty()) {
            notes.add(from + ": no capture files (capture-*.jsonl.gz)");
        }
        return new Summary(files.size(), records, bad, List.copyOf(notes));
    }

    private static long[] readFile(Path file, Consumer<CaptureRecord> sink, List<String> notes,
            LongConsumer progress) throws IOException {
        long records = 0;
        long bad = 0;
        String name = file.getFileName().toString();
        try (InputStream raw = new Counting(Files.newInputStream(file), progress);
             InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw, 64 * 1024) : raw;
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String header = lines.readLine();
            if (header == null) {
                notes.add(name + ": empty, skipped");
                return new long[] {0, 0};
            }
            try {
                CaptureFormat.checkHeader(header);
            } catch (CaptureFormat.BadLine e) {
                notes.add(name + ": skipped, " + e.getMessage());
                return new long[] {0, 0};
            }
            String line;
            String pending = null;
            String firstBad = null;
            long badHere = 0;
            long lineNo = 1;
            while ((line = lines.readLine()) != null) {
                lineNo++;
                if (pending != null) {
                    badHere++;
                    firstBad = firstBad != null ? firstBad : "line " + (lineNo - 1) + ": " + pending;
                    pending = null;
                }
                if (line.isBlank()) {
                    continue;
                }
                try {
                    sink.accept(CaptureFormat.parse(line));
                    records++;
                } catch (CaptureFormat.BadLine e) {
                    // Held back one line: a bad last line is a cut-off write, reported as such below.
                    pending = e.getMessage();
                }
            }
            bad += badHere;
            if (badHere > 0) {
                notes.add(name + ": " + badHere + " unreadable lines skipped (first at " + firstBad + ")");
            }
            if (pending != null) {
                bad++;
                notes.add(name + ": the last line is cut off (the recording stopped mid-write); read the "
                        + records + " records before it");
            }
        } catch (EOFException e) {
            notes.add(name + ": ends early (still being written, or the recording stopped mid-write); read "
                    + "the " + records + " records before the end");
        } catch (ZipException e) {
            notes.add(name + ": damaged gzip data (" + e.getMessage() + "); read the " + records
                    + " records before the damage");
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return new long[] {records, bad};
    }

    /** Counts the bytes read from a file, before decompression. */
    private static final class Counting extends FilterInputStream {
        private final LongConsumer progress;
        private long read;

        Counting(InputStream in, LongConsumer progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                progress.accept(++read);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                read += n;
                progress.accept(read);
            }
            return n;
        }
    }
}
