package io.strangler.proxy;

import java.lang.management.ManagementFactory;

/**
 * CPU priority of the threads that do work no client waits for (shadow I/O, comparisons, store and capture writes):
 * below the threads that serve traffic, so that on a busy machine the kernel runs a served request first.
 *
 * <p>The JVM only passes Java thread priorities to Linux with {@code -XX:ThreadPriorityPolicy=1}, which the
 * {@code strangler} launcher sets. Lowering a priority (a higher nice value, 4 for {@link Thread#MIN_PRIORITY}) needs
 * no permission; the JVM still prints a one-line warning about permissions when not run as root, which is harmless
 * here because nothing is raised. Without the option every thread runs at the same priority, as before.
 */
public final class ThreadPriorities {

    /** The priority of background threads. */
    public static final int BACKGROUND = Thread.MIN_PRIORITY;

    private ThreadPriorities() {
    }

    /** True when this JVM applies thread priorities (it was started with {@code -XX:ThreadPriorityPolicy=1}). */
    public static boolean applied() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.equals("-XX:ThreadPriorityPolicy=1"));
    }
}
