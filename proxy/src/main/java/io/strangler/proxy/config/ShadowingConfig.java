package io.strangler.proxy.config;

/**
 * Resources shared by every route's shadow work, kept apart from the threads that serve live traffic.
 *
 * @param ioThreads event loop threads for shadow calls (their own group, their own connection pools)
 * @param compareThreads threads that compare responses
 * @param compareQueue comparisons waiting for a compare thread at most; beyond it a shadow result is skipped with
 *     reason {@code compare_queue_full}
 * @param comparePendingBytes captured body bytes waiting for comparison at most; beyond it: {@code compare_queue_full}
 * @param backgroundCpu how the kernel schedules shadow, compare, store and capture threads against served ones
 */
public record ShadowingConfig(int ioThreads, int compareThreads, int compareQueue, long comparePendingBytes,
        BackgroundCpu backgroundCpu) {

    public static final long DEFAULT_COMPARE_PENDING_BYTES = 64L << 20;

    public ShadowingConfig {
        if (ioThreads < 1 || compareThreads < 1 || compareQueue < 1 || comparePendingBytes < 1) {
            throw new IllegalArgumentException("ioThreads, compareThreads, compareQueue, comparePendingBytes: "
                    + ioThreads + ", " + compareThreads + ", " + compareQueue + ", " + comparePendingBytes
                    + " (expected: >= 1)");
        }
        java.util.Objects.requireNonNull(backgroundCpu, "backgroundCpu");
    }

    public static ShadowingConfig defaults() {
        return new ShadowingConfig(1, 1, 4096, DEFAULT_COMPARE_PENDING_BYTES, BackgroundCpu.IDLE);
    }
}
