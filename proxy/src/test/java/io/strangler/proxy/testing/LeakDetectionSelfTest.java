package io.strangler.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Proves the leak check can fail: an unreleased buffer must be reported. */
class LeakDetectionSelfTest {

    @Test
    void shouldReportBufferThatWasNeverReleased() throws InterruptedException {
        LeakDetectionExtension.collectLeaks();
        leakOneBuffer();

        List<String> leaks = LeakDetectionExtension.collectLeaks();

        assertThat(leaks).isNotEmpty();
        assertThat(leaks.get(0)).contains("LEAK");
    }

    private static void leakOneBuffer() {
        ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(64);
        buf.writeLong(42);
    }
}
