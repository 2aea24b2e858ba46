package io.strangler.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time a process and its child processes have used so far (nginx's worker is a child of its master), from
 * Linux's {@code /proc/<pid>/stat}: user plus system time, which the kernel scales to the tasks' exact run time,
 * in clock ticks of 1/100 s. Threads that have ended still count; child processes that have ended do not.
 */
final class ProcessCpu {

    /** Linux reports these times in USER_HZ, 100 per second on every architecture we run on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessCpu() {
    }

    /** A load run and the CPU a process used over its measured window (-1 where that could not be read). */
    record Measured(LoadGenerator.Result result, double cpuSeconds) {
    }

    /**
     * Runs {@code plan} and reads {@code pid}'s CPU time when the measured window opens and when it closes, so that
     * the CPU and the answers counted cover the same requests (warm-up and drain left out).
     */
    static Measured during(long pid, LoadGenerator.Plan plan) throws Exception {
        double[] at = {-1, -1};
        LoadGenerator.Result r = LoadGenerator.run(plan, () -> at[0] = seconds(pid), () -> at[1] = seconds(pid));
        return new Measured(r, at[0] < 0 || at[1] < 0 ? -1 : at[1] - at[0]);
    }

    /** Seconds of CPU used by {@code pid} and its descendants, or -1 where that cannot be read (no /proc). */
    static double seconds(long pid) {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        long ticks = 0;
        for (long p : pids) {
            long t = ticks(p);
            if (t < 0 && p == pid) {
                return -1;
            }
            ticks += Math.max(t, 0); // a child that ended between the listing and the read
        }
        return ticks / TICKS_PER_SECOND;
    }

    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // The command name is in parentheses and may hold spaces; utime and stime are fields 14 and 15, the
            // 12th and 13th after it.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
