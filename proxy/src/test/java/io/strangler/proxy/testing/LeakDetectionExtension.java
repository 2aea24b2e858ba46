package io.strangler.proxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class (service loader + autodetection). Checks that Netty runs with paranoid leak
 * detection, and after each class forces the garbage collector and the leak detector to report, failing the
 * class if any {@code ByteBuf} was garbage-collected without being released.
 */
public final class LeakDetectionExtension implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            throw new IllegalStateException("tests must run with -Dio.netty.leakDetection.level=paranoid (found "
                    + ResourceLeakDetector.getLevel() + "); run them through Maven");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        List<String> leaks = collectLeaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " ByteBuf leak(s) reported after "
                    + context.getDisplayName() + ":\n" + String.join("\n\n", leaks));
        }
    }

    /** Makes unreleased, unreachable buffers get reported now, and returns the reports. */
    public static List<String> collectLeaks() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            // Paranoid detection reports collected leaks when the next buffer is tracked.
            for (ByteBufAllocator alloc : new ByteBufAllocator[] {
                    ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT, Unpooled.buffer(0).alloc()}) {
                ByteBuf heap = alloc.heapBuffer(8);
                heap.release();
                ByteBuf direct = alloc.directBuffer(8);
                direct.release();
            }
        }
        return LeakRecorder.drain();
    }
}
