package io.strangler.proxy;

import io.strangler.proxy.config.BackgroundCpu;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the kernel scheduling of this process's background threads (see {@link ThreadPriorities}) to the
 * {@link BackgroundCpu} policy, so that on a busy machine a served request's thread runs before shadow work does.
 *
 * <p>Java cannot change a thread's scheduling policy itself, so this finds the threads by name in
 * {@code /proc/self/task} and runs {@code chrt --idle} (policy {@code idle}) or {@code renice} (policy {@code low})
 * on each, both from util-linux; lowering needs no privilege. Threads start lazily (a shadow loop with its first call,
 * a capture writer with its first record), so the threads are scanned at start and then every
 * 10 seconds. If {@code chrt} is missing or refused, {@code idle} falls back to {@code low}; if
 * that fails too, the threads keep their Java priority and the failure is logged once.
 *
 * <p>Thread-safe: every scan runs on this object's own thread.
 */
public final class BackgroundThreads implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BackgroundThreads.class);

    static final long RESCAN_MILLIS = 10_000;
    private static final Path TASKS = Path.of("/proc/self/task");
    /** The kernel's number for {@code SCHED_IDLE}, as read from a task's {@code stat}. */
    static final int SCHED_IDLE = 5;
    private static final int LOW_NICE = 19;

    private final BackgroundCpu wanted;
    private final ScheduledExecutorService scanner;
    /** Tasks already seen (lowered, or not background work); touched only by the scanner thread. */
    private final Set<Long> seen = new HashSet<>();
    private volatile BackgroundCpu effective;
    private volatile int lowered;
    private boolean warned;

    private BackgroundThreads(BackgroundCpu wanted) {
        this.wanted = wanted;
        this.effective = wanted;
        this.scanner = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strangler-background-cpu");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Lowers the background threads running now, waiting for that first pass (a few milliseconds per thread), then
     * keeps lowering new ones. With {@link BackgroundCpu#NORMAL}, or where there is no {@code /proc/self/task}, it
     * does nothing.
     */
    public static BackgroundThreads start(BackgroundCpu policy) {
        return start(policy, RESCAN_MILLIS);
    }

    /** As {@link #start(BackgroundCpu)}, scanning for new threads every {@code rescanMillis}. */
    static BackgroundThreads start(BackgroundCpu policy, long rescanMillis) {
        BackgroundThreads threads = new BackgroundThreads(Objects.requireNonNull(policy, "policy"));
        if (policy == BackgroundCpu.NORMAL || !Files.isDirectory(TASKS)) {
            threads.effective = BackgroundCpu.NORMAL;
            threads.scanner.shutdown();
            return threads;
        }
        try {
            threads.scanner.submit(threads::scan).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("could not lower the CPU scheduling of background threads at start", e);
        }
        threads.scanner.scheduleWithFixedDelay(threads::scan, rescanMillis, rescanMillis, TimeUnit.MILLISECONDS);
        return threads;
    }

    /** The policy in force: the configured one, or what it fell back to. */
    public BackgroundCpu effective() {
        return effective;
    }

    /** How many background threads have been lowered so far. */
    public int lowered() {
        return lowered;
    }

    /** The startup line's words for it. */
    public String describe() {
        return switch (effective) {
            case IDLE -> "at CPU policy idle (SCHED_IDLE: runs on CPU time served traffic leaves)";
            case LOW -> "at CPU policy low (nice 19)";
            case NORMAL -> ThreadPriorities.applied() ? "at lower Java thread priority (nice 4)"
                    : "at the same CPU priority as served traffic";
        };
    }

    private void scan() {
        List<Long> fresh = new ArrayList<>();
        Set<Long> alive = new HashSet<>();
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                long tid;
                try {
                    tid = Long.parseLong(task.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                alive.add(tid);
                if (seen.add(tid) && ThreadPriorities.isBackground(kernelName(task))) {
                    fresh.add(tid);
                }
            }
        } catch (IOException | RuntimeException e) {
            warnOnce("could not list this process's threads in " + TASKS + ": " + e);
            return;
        }
        seen.retainAll(alive);
        for (long tid : fresh) {
            lower(tid);
        }
    }

    private static String kernelName(Path task) {
        try {
            return Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return ""; // the thread ended between the listing and the read
        }
    }

    /** Lowers one task; on the scanner thread (tests call it directly). */
    void lower(long tid) {
        if (effective == BackgroundCpu.IDLE) {
            String failure = setIdle(tid);
            if (failure == null) {
                lowered++;
                return;
            }
            if (ended(tid)) {
                return; // the thread ended meanwhile, which is why the command failed or found nothing
            }
            warnOnce("could not set SCHED_IDLE on background threads (" + failure + "); using nice " + LOW_NICE
                    + " instead");
            effective = BackgroundCpu.LOW;
        }
        if (effective == BackgroundCpu.LOW) {
            String failure = run("renice", "-n", Integer.toString(LOW_NICE), "-p", Long.toString(tid));
            if (failure == null) {
                lowered++;
                return;
            }
            if (ended(tid)) {
                return;
            }
            warnOnce("could not lower the CPU priority of background threads (" + failure
                    + "); they keep their Java thread priority");
            effective = BackgroundCpu.NORMAL;
        }
    }

    private static boolean ended(long tid) {
        return !Files.exists(TASKS.resolve(Long.toString(tid)));
    }

    /** This thread's kernel task id ({@code /proc/thread-self} links to {@code /proc/<pid>/task/<tid>}). */
    public static long currentTaskId() throws IOException {
        return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    }

    /**
     * Puts one of this process's threads at {@code SCHED_IDLE} with {@code chrt --idle}; null if it is there now,
     * else what went wrong.
     */
    public static String setIdle(long tid) {
        String failure = run("chrt", "--idle", "--pid", "0", Long.toString(tid));
        if (failure == null && policyOf(tid) != SCHED_IDLE) {
            return "chrt left the policy of " + tid + " unchanged";
        }
        return failure;
    }

    /** Runs a short command; null if it succeeded, else what went wrong. */
    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return command[0] + " did not finish within 5 s";
            }
            return p.exitValue() == 0 ? null : command[0] + " exited with " + p.exitValue() + ": " + output;
        } catch (IOException e) {
            return command[0] + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return command[0] + " interrupted";
        }
    }

    /** The scheduling policy of one of this process's threads ({@code stat} field 41), or -1 if unknown. */
    static int policyOf(long tid) {
        String[] fields = statFields(TASKS.resolve(Long.toString(tid)).resolve("stat"));
        return fields.length > 38 ? Integer.parseInt(fields[38]) : -1;
    }

    /** The nice value of one of this process's threads ({@code stat} field 19), or {@link Integer#MIN_VALUE}. */
    static int niceOf(long tid) {
        String[] fields = statFields(TASKS.resolve(Long.toString(tid)).resolve("stat"));
        return fields.length > 16 ? Integer.parseInt(fields[16]) : Integer.MIN_VALUE;
    }

    /**
     * A {@code stat} line's fields from the third (state) on, so field n is at index n - 3; the name before them may
     * hold spaces.
     */
    private static String[] statFields(Path stat) {
        try {
            String line = Files.readString(stat, StandardCharsets.UTF_8);
            return line.substring(line.lastIndexOf(')') + 2).strip().split(" ");
        } catch (IOException | RuntimeException e) {
            return new String[0];
        }
    }

    private void warnOnce(String message) {
        if (!warned) {
            warned = true;
            log.warn(message);
        }
    }

    @Override
    public void close() {
        scanner.shutdownNow();
    }
}
