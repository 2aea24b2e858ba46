package io.strangler.proxy;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * The threads that do work no client waits for (shadow I/O, comparisons, store and capture writes): their names, by
 * which {@link BackgroundThreads} finds them to lower their scheduling, and their Java priority.
 *
 * <p>The Java priority is the last fallback, when the kernel policy cannot be changed. The JVM only passes it to Linux
 * with {@code -XX:ThreadPriorityPolicy=1} (nice 4 for {@link Thread#MIN_PRIORITY}), which the user may add; as a
 * non-root user the JVM then prints a one-line warning about permissions, harmless here because nothing is raised.
 */
public final class ThreadPriorities {

    /** The Java priority of background threads. */
    public static final int BACKGROUND = Thread.MIN_PRIORITY;

    /** Prefix of the shadow event loops' thread names. */
    public static final String SHADOW_LOOP = "strangler-shadow";
    /** Prefix of the compare threads' names. */
    public static final String COMPARE = "strangler-compare-";
    /** The divergence store's writer thread. */
    public static final String STORE_WRITER = "strangler-store-writer";
    /** A route's capture writer thread. */
    public static final String CAPTURE_WRITER = "strangler-capture-writer";

    /** Linux keeps the first 15 bytes of a thread's name. */
    private static final int KERNEL_NAME_BYTES = 15;
    private static final List<String> KERNEL_PREFIXES = List.of(SHADOW_LOOP, COMPARE, STORE_WRITER, CAPTURE_WRITER)
            .stream().map(n -> n.substring(0, Math.min(n.length(), KERNEL_NAME_BYTES))).toList();

    private ThreadPriorities() {
    }

    /** True if a thread whose kernel name (as in {@code /proc/self/task/<tid>/comm}) is this does background work. */
    public static boolean isBackground(String kernelName) {
        for (String prefix : KERNEL_PREFIXES) {
            if (kernelName.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** True when this JVM applies thread priorities (it was started with {@code -XX:ThreadPriorityPolicy=1}). */
    public static boolean applied() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.equals("-XX:ThreadPriorityPolicy=1"));
    }
}
