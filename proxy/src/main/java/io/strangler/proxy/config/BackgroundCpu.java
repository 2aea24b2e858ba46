package io.strangler.proxy.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How the kernel schedules the threads that do work no client waits for (shadow I/O, comparisons, store and capture
 * writes), against the threads that serve traffic. Linux only; elsewhere every policy acts as {@link #NORMAL}.
 */
public enum BackgroundCpu {
    /** {@code SCHED_IDLE}: background threads run only on CPU time served traffic leaves unused. */
    IDLE,
    /** Nice 19: background threads get a small share of a busy CPU (about 1.5% against one served thread). */
    LOW,
    /** No change beyond Java thread priorities (nice 4 when the JVM runs with {@code -XX:ThreadPriorityPolicy=1}). */
    NORMAL;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> configNames() {
        return Arrays.stream(values()).map(BackgroundCpu::configName).toList();
    }
}
