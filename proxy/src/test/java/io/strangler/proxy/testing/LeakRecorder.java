package io.strangler.proxy.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Collects Netty's {@code LEAK:} reports. Logback creates the appender from logback-test.xml, so the reports
 * are kept in a static queue that {@link LeakDetectionExtension} drains (test code only).
 */
public final class LeakRecorder extends AppenderBase<ILoggingEvent> {

    private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();

    @Override
    protected void append(ILoggingEvent event) {
        String msg = event.getFormattedMessage();
        if (msg != null && msg.contains("LEAK")) {
            LEAKS.add(msg);
        }
    }

    /** Returns and forgets the leaks reported so far. */
    public static List<String> drain() {
        List<String> out = new ArrayList<>();
        String s;
        while ((s = LEAKS.poll()) != null) {
            out.add(s);
        }
        return out;
    }
}
