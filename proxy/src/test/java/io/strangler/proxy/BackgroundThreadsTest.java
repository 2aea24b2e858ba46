package io.strangler.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.strangler.proxy.config.BackgroundCpu;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real threads of this JVM, lowered through the real {@code chrt} and {@code renice}. */
class BackgroundThreadsTest {

    private final CountDownLatch end = new CountDownLatch(1);

    @BeforeEach
    void linuxOnly() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux's /proc");
    }

    @AfterEach
    void stopThreads() {
        end.countDown();
    }

    @Test
    void shouldRunBackgroundThreadsAtSchedIdleAndLeaveServedThreadsAlone() throws Exception {
        long compare = startThread(ThreadPriorities.COMPARE + "t1");
        long served = startThread("strangler-io-t1");

        try (BackgroundThreads threads = BackgroundThreads.start(BackgroundCpu.IDLE)) {
            assertThat(threads.effective()).isEqualTo(BackgroundCpu.IDLE);
            assertThat(BackgroundThreads.policyOf(compare)).isEqualTo(BackgroundThreads.SCHED_IDLE);
            assertThat(BackgroundThreads.policyOf(served)).isZero();
            assertThat(threads.lowered()).isPositive();
            assertThat(threads.describe()).contains("SCHED_IDLE");
        }
    }

    @Test
    void shouldLowerAThreadThatStartsLaterAtTheNextScan() throws Exception {
        try (BackgroundThreads threads = BackgroundThreads.start(BackgroundCpu.LOW, 200)) {
            long writer = startThread(ThreadPriorities.CAPTURE_WRITER);

            long deadline = System.nanoTime() + 10_000_000_000L;
            while (BackgroundThreads.niceOf(writer) != 19 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }

            assertThat(BackgroundThreads.niceOf(writer)).isEqualTo(19);
            assertThat(BackgroundThreads.policyOf(writer)).isZero();
            assertThat(threads.effective()).isEqualTo(BackgroundCpu.LOW);
        }
    }

    @Test
    void shouldKeepThePolicyWhenAThreadEndsBeforeItIsLowered() {
        try (BackgroundThreads threads = BackgroundThreads.start(BackgroundCpu.IDLE)) {
            // No such task: chrt fails with "No such process", as for a thread that ended after the listing.
            threads.lower(Integer.MAX_VALUE);

            assertThat(threads.effective()).isEqualTo(BackgroundCpu.IDLE);
        }
    }

    @Test
    void shouldChangeNothingWhenNormal() throws Exception {
        long store = startThread(ThreadPriorities.STORE_WRITER + "-normal");

        try (BackgroundThreads threads = BackgroundThreads.start(BackgroundCpu.NORMAL)) {
            assertThat(threads.effective()).isEqualTo(BackgroundCpu.NORMAL);
            assertThat(threads.lowered()).isZero();
            assertThat(BackgroundThreads.policyOf(store)).isZero();
            assertThat(BackgroundThreads.niceOf(store)).isZero();
        }
    }

    /** Starts a thread that waits for the test's end, and returns its kernel task id. */
    private long startThread(String name) throws Exception {
        CompletableFuture<Long> tid = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                tid.complete(BackgroundThreads.currentTaskId());
                end.await();
            } catch (Exception e) {
                tid.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return tid.get();
    }
}
