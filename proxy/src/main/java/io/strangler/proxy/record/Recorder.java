package io.strangler.proxy.record;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.strangler.proxy.config.RecordPolicy;
import io.strangler.proxy.metrics.ProxyMeters;
import io.strangler.proxy.store.Redactor;
import io.strangler.toggles.Recording;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * A route's recording: decides on the event loop which requests to keep (sampling, size) and hands them to the
 * route's {@link CaptureWriter}. Every route has one; whether it records everything is the route's recording toggle
 * (initially the config's {@code record.enabled}), read from memory per request. Thread-safe; {@link #recordsAll},
 * {@link #wants} and {@link #offer} never block.
 */
public final class Recorder implements AutoCloseable {

    /** Records waiting for the writer at most, per route. */
    static final int QUEUE_SIZE = 10_000;

    private final RecordPolicy policy;
    private final CaptureWriter writer;
    private final Supplier<Recording> toggle;
    // The toggle change last seen; a newer one that turns recording on re-arms a writer that failed.
    private volatile long seenChange;

    /** @param toggle the route's recording toggle, read per request (it must only read memory) */
    public Recorder(String routeId, RecordPolicy policy, Supplier<Recording> toggle, Redactor redactor,
            String instance, MeterRegistry registry, Clock clock) {
        this.policy = policy;
        this.toggle = toggle;
        this.seenChange = toggle.get().changedAt();
        this.writer = new CaptureWriter(new CaptureWriter.Settings(policy.dir(), policy.rotateBytes(),
                policy.maxFiles(), policy.maxBytes(), QUEUE_SIZE, instance + "-" + routeId), redactor, clock,
                // Once recording is switched off, the file is finished when the last records are written, so a
                // replay can read it whole while the proxy runs on.
                () -> toggle.get().on() || policy.whenCandidateUnavailable());
        String name = ProxyMeters.CAPTURE_RECORDS.meterName();
        FunctionCounter.builder(name, writer, CaptureWriter::written).tag("route", routeId).tag("outcome", "written")
                .register(registry);
        FunctionCounter.builder(name, writer, CaptureWriter::dropped).tag("route", routeId).tag("outcome", "dropped")
                .register(registry);
        FunctionCounter.builder(name, writer, CaptureWriter::tooLarge).tag("route", routeId)
                .tag("outcome", "too_large").register(registry);
        Gauge.builder(ProxyMeters.CAPTURE_FAILED.meterName(), writer, w -> w.failed() ? 1 : 0).tag("route", routeId)
                .register(registry);
    }

    /** True when every (sampled) request legacy serves is recorded, not only those the candidate missed. */
    public boolean recordsAll() {
        Recording r = toggle.get();
        if (r.changedAt() != seenChange) {
            seenChange = r.changedAt();
            if (r.on()) {
                writer.rearm();
            }
        }
        return r.on();
    }

    /** True when requests the candidate could not take are recorded (recordWhenCandidateUnavailable). */
    public boolean whenCandidateUnavailable() {
        return policy.whenCandidateUnavailable();
    }

    /** Whether to keep this request (sampled; its body within {@code maxBytes}, else counted). On the event loop. */
    public boolean wants(int requestBodyBytes) {
        double rate = policy.sampleRate();
        if (rate < 1.0 && ThreadLocalRandom.current().nextDouble() >= rate) {
            return false;
        }
        if (requestBodyBytes > policy.maxBytes()) {
            writer.skipTooLarge();
            return false;
        }
        return true;
    }

    /** Request and response body bytes a record may hold together. */
    public long maxBytes() {
        return policy.maxBytes();
    }

    /** Queues a record; never blocks (see {@link CaptureWriter#offer}). */
    public void offer(CaptureRecord r) {
        writer.offer(r);
    }

    /** Counts a request that was wanted but turned out larger than {@code maxBytes}. */
    public void tooLarge() {
        writer.skipTooLarge();
    }

    @Override
    public void close() {
        writer.close();
    }
}
