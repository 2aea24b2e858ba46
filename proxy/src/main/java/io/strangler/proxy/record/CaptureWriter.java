package io.strangler.proxy.record;

import io.strangler.proxy.store.Redactor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes capture records to rotated, gzip-compressed JSON Lines files in one directory, on a thread of its own.
 *
 * <p>{@link #offer} never blocks and never does I/O, so the event loops may call it: a record goes into a bounded
 * lock-free queue or, when the queue is full, is dropped and counted. It takes no lock and wakes no thread: the
 * writer runs at a low CPU priority ({@code shadowing.backgroundCpu}), and a lock it held while waiting for a CPU
 * would stall the event loop. The writer instead looks at the queue every 10 ms while records arrive, backing off to
 * every 100 ms when none do. The writer thread redacts (the store's rules), writes,
 * flushes after each batch (so a crash loses at most the batch being written, and a reader sees everything before
 * it), rotates to a new file after {@code rotateBytes} of uncompressed lines and deletes the oldest files beyond
 * {@code maxFiles}, which caps the disk used. A write that fails (disk full, directory gone or read-only) turns
 * recording off with one loud log line; what arrives afterwards is counted as dropped, and served traffic is never
 * touched, until {@link #rearm} tries again. The thread starts with the first record, so a route that never records
 * costs no thread.
 */
public final class CaptureWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CaptureWriter.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(
            ZoneOffset.UTC);
    private static final int BATCH = 256;
    private static final long BUSY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long IDLE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long FINISH_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * @param dir where the files go (created if missing)
     * @param rotateBytes uncompressed bytes of lines per file before the next file starts
     * @param maxFiles files kept at most; the oldest are deleted
     * @param maxBodyBytes a record whose bodies together are larger is skipped (counted), never cut
     * @param queueSize records waiting for the writer at most
     * @param instance this proxy's name, in file names and headers
     */
    public record Settings(Path dir, long rotateBytes, int maxFiles, long maxBodyBytes, int queueSize,
            String instance) {
    }

    private final Settings settings;
    private final BooleanSupplier keepOpen;
    private final Redactor redactor;
    private final Clock clock;
    private final Queue<CaptureRecord> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Thread thread;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong tooLarge = new AtomicLong();
    private volatile boolean failed;
    private volatile boolean closing;
    private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();

    // Confined to the writer thread.
    private Writer out;
    private long fileBytes;
    private int sequence;

    public CaptureWriter(Settings settings, Redactor redactor, Clock clock) {
        this(settings, redactor, clock, () -> true);
    }

    /**
     * @param keepOpen read by the writer thread when nothing has arrived for a second: when false, the current file
     *     is finished (complete and readable by a replay at once) and the next record starts a new one
     */
    public CaptureWriter(Settings settings, Redactor redactor, Clock clock, BooleanSupplier keepOpen) {
        this.keepOpen = keepOpen;
        this.settings = settings;
        this.redactor = redactor;
        this.clock = clock;
        this.thread = new Thread(this::run, io.strangler.proxy.ThreadPriorities.CAPTURE_WRITER);
        thread.setDaemon(true);
        thread.setPriority(io.strangler.proxy.ThreadPriorities.BACKGROUND);
    }

    /** Queues a record for writing; false when it was not taken (too large, queue full, recording off). */
    public boolean offer(CaptureRecord r) {
        if (r.bodyBytes() > settings.maxBodyBytes()) {
            tooLarge.incrementAndGet();
            return false;
        }
        if (failed || closing) {
            dropped.incrementAndGet();
            return false;
        }
        if (queued.incrementAndGet() > settings.queueSize()) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            return false;
        }
        queue.offer(r);
        if (!started.get() && started.compareAndSet(false, true)) {
            thread.start();
        }
        return true;
    }

    /** Counts a record its producer already found too large to offer. */
    public void skipTooLarge() {
        tooLarge.incrementAndGet();
    }

    /** Records written to files so far. */
    public long written() {
        return written.get();
    }

    /** Records not written: the queue was full, recording was off after a failure, or the writer was closing. */
    public long dropped() {
        return dropped.get();
    }

    /** Records skipped because their bodies were larger than {@code maxBodyBytes}. */
    public long tooLarge() {
        return tooLarge.get();
    }

    /** True once a write failed and recording turned itself off. */
    public boolean failed() {
        return failed;
    }

    /**
     * After a write failure: records are taken again and go to a new file (if the directory is still unwritable,
     * that fails again, loudly). Does nothing while writing works.
     */
    public void rearm() {
        if (failed && !closing) {
            failed = false;
            log.warn("recording to {} turned on again after a write failure", settings.dir());
        }
    }

    private void run() {
        List<CaptureRecord> batch = new ArrayList<>(BATCH);
        long lastRecord = System.nanoTime();
        long pause = BUSY_PAUSE_NANOS;
        try {
            while (true) {
                // Read before draining: once closing is seen, a drain that finds nothing means nothing more comes
                // (offer refuses records once closing is set).
                boolean stop = closing;
                CaptureRecord r;
                while (batch.size() < BATCH && (r = queue.poll()) != null) {
                    batch.add(r);
                }
                if (!batch.isEmpty()) {
                    boolean full = batch.size() == BATCH;
                    queued.addAndGet(-batch.size());
                    write(batch);
                    batch.clear();
                    lastRecord = System.nanoTime();
                    pause = BUSY_PAUSE_NANOS;
                    if (full) {
                        continue; // more is waiting
                    }
                } else if (stop) {
                    break;
                } else {
                    if (out != null && System.nanoTime() - lastRecord > FINISH_AFTER_NANOS
                            && !keepOpen.getAsBoolean()) {
                        finishFile();
                    }
                    pause = Math.min(pause * 2, IDLE_PAUSE_NANOS);
                }
                LockSupport.parkNanos(this, pause);
                if (Thread.interrupted()) {
                    break;
                }
            }
        } finally {
            finishFile();
        }
    }

    private void write(List<CaptureRecord> batch) {
        if (failed) {
            dropped.addAndGet(batch.size());
            return;
        }
        int done = 0;
        try {
            for (CaptureRecord r : batch) {
                if (out == null || fileBytes >= settings.rotateBytes()) {
                    rotate();
                }
                String line = CaptureFormat.line(redact(r)) + "\n";
                out.write(line);
                fileBytes += line.length();
                done++;
            }
            out.flush();
            written.addAndGet(done);
        } catch (IOException | RuntimeException e) {
            failed = true;
            dropped.addAndGet(batch.size() - done);
            written.addAndGet(done);
            log.error("RECORDING STOPPED: cannot write the capture to {} ({}). Served traffic is not affected; "
                    + "{} records were written, everything from now on is dropped and counted. Fix the directory, "
                    + "then turn recording off and on (strangler toggle record) or restart to record again.",
                    settings.dir(), e.toString(), written.get());
            finishFile();
        }
    }

    private CaptureRecord redact(CaptureRecord r) {
        return new CaptureRecord(r.at(), r.route(), r.requestId(), r.method(), redactor.target(r.target()),
                redactor.headers(r.requestHeaders()), redactor.body(r.requestBody()), r.status(),
                redactor.headers(r.responseHeaders()), redactor.body(r.responseBody()), r.durationMicros(),
                r.reason());
    }

    private void rotate() throws IOException {
        finishFile();
        Files.createDirectories(settings.dir());
        String name = "capture-" + settings.instance() + "-" + STAMP.format(clock.instant()) + "-"
                + String.format("%04d", sequence++) + ".jsonl.gz";
        OutputStream file = Files.newOutputStream(settings.dir().resolve(name), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        // Sync flush: every flush ends a complete deflate block, so a reader (or a crash) sees whole lines.
        out = new OutputStreamWriter(new GZIPOutputStream(file, 64 * 1024, true), StandardCharsets.UTF_8);
        String header = CaptureFormat.header(settings.instance(), clock.instant()) + "\n";
        out.write(header);
        fileBytes = header.length();
        deleteOldest();
    }

    private void deleteOldest() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(settings.dir())) {
            files = s.filter(p -> p.getFileName().toString().startsWith("capture-" + settings.instance() + "-")
                    && p.getFileName().toString().endsWith(".jsonl.gz")).sorted().toList();
        }
        for (int i = 0; i < files.size() - settings.maxFiles(); i++) {
            Files.deleteIfExists(files.get(i));
        }
    }

    private void finishFile() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                log.warn("capture file could not be finished cleanly ({}); readers will see it as truncated",
                        e.toString());
            }
            out = null;
        }
    }

    /** Writes what is queued, finishes the current file and stops the thread (waits up to 10 s). */
    @Override
    public void close() {
        closing = true;
        if (started.compareAndSet(false, true)) {
            return;
        }
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
            if (thread.isAlive()) {
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
