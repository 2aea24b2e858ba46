package io.strangler.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.shadow.ShadowResult;
import io.strangler.proxy.shadow.ShadowResultListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Collects shadow results as the proxy reports them, for tests to wait on. */
public final class ShadowResults implements ShadowResultListener {

    private final LinkedBlockingQueue<ShadowResult> results = new LinkedBlockingQueue<>();

    @Override
    public void onResult(ShadowResult result) {
        results.add(result);
    }

    /** Waits for the next result (up to 10 s) and fails the test if none comes. */
    public ShadowResult next() throws InterruptedException {
        ShadowResult r = results.poll(10, TimeUnit.SECONDS);
        assertThat(r).as("a shadow result within 10 s").isNotNull();
        return r;
    }

    /** Waits for {@code n} results. */
    public List<ShadowResult> next(int n) throws InterruptedException {
        List<ShadowResult> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(next());
        }
        return out;
    }

    /** Asserts no further result arrives within {@code quiet}. */
    public void assertNoneWithin(Duration quiet) throws InterruptedException {
        assertThat(results.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)).isNull();
    }
}
