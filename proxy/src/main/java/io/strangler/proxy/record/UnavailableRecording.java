package io.strangler.proxy.record;

import io.strangler.comparator.Observation;
import io.strangler.proxy.shadow.ShadowOutcome;
import io.strangler.proxy.shadow.ShadowResult;
import io.strangler.proxy.shadow.ShadowResultListener;
import java.util.Map;
import java.util.Set;

/**
 * Records, for routes with {@code recordWhenCandidateUnavailable}, the shadowed requests whose copy failed because
 * the candidate could not be reached (refused, or the connect timed out): their request and legacy's answer are in
 * the shadow result. Runs on compare threads and shadow event loops; {@link Recorder#offer} never blocks.
 */
public final class UnavailableRecording implements ShadowResultListener {

    private static final Set<String> UNREACHABLE = Set.of("candidate_refused", "candidate_connect_timeout");

    private final Map<String, Recorder> recorders;

    /** {@code recorders}: route id → recorder, filled before the proxy takes traffic. */
    public UnavailableRecording(Map<String, Recorder> recorders) {
        this.recorders = recorders;
    }

    @Override
    public void onResult(ShadowResult r) {
        if (r.outcome() != ShadowOutcome.FAILED || !UNREACHABLE.contains(r.reason())
                || !r.servedBy().equals("legacy") || r.served().isEmpty()) {
            return;
        }
        Recorder recorder = recorders.get(r.request().routeId());
        // A route that records everything has this request already, from the served side.
        if (recorder == null || !recorder.whenCandidateUnavailable() || recorder.recordsAll()) {
            return;
        }
        Observation legacy = r.served().get();
        byte[] requestBody = r.recorded().body().toByteArray();
        if (!recorder.wants(requestBody.length)) {
            return;
        }
        recorder.offer(new CaptureRecord(r.at(), r.request().routeId(), r.requestId(), r.recorded().method(),
                r.recorded().target(), r.recorded().headers(), requestBody, legacy.status(), legacy.headers(),
                legacy.body().toByteArray(), legacy.duration().toNanos() / 1000, "candidate_unavailable"));
    }
}
