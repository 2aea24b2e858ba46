package io.strangler.proxy.store;

import io.strangler.comparator.Body;
import io.strangler.comparator.Difference;
import io.strangler.comparator.Observation;
import io.strangler.proxy.shadow.ShadowResult;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a sample keeps of one comparison, with bodies cut to the store's limit so that samples waiting in memory
 * stay small. Not yet redacted: the writer redacts before anything leaves memory.
 */
record SampleData(Instant at, String route, String endpoint, String requestId, String servedBy, String verdict,
        String method, String target, Map<String, List<String>> requestHeaders, byte[] requestBody,
        Side legacy, Side candidate, List<Difference> differences, List<String> notes) {

    record Side(int status, Map<String, List<String>> headers, byte[] body, double millis, String error) {
        static Side of(Observation o, int maxBodyBytes) {
            return new Side(o.status(), o.headers(), cut(o.body(), maxBodyBytes), o.duration().toNanos() / 1e6,
                    o.error().orElse(null));
        }
    }

    static SampleData of(ShadowResult r, int maxBodyBytes) {
        var c = r.comparison().orElseThrow();
        boolean legacyServed = !r.servedBy().equals("candidate");
        Observation legacy = (legacyServed ? r.served() : r.shadow()).orElseThrow();
        Observation candidate = (legacyServed ? r.shadow() : r.served()).orElseThrow();
        return new SampleData(r.at(), r.request().routeId(), c.endpoint(), r.requestId(), r.servedBy(),
                c.verdict().tag(), r.recorded().method(), r.recorded().target(), r.recorded().headers(),
                cut(r.recorded().body(), maxBodyBytes), Side.of(legacy, maxBodyBytes),
                Side.of(candidate, maxBodyBytes), c.differences(), c.notes());
    }

    private static byte[] cut(Body body, int max) {
        byte[] b = body.toByteArray();
        return b.length <= max ? b : Arrays.copyOf(b, max);
    }

    /** Approximate bytes held, for nothing but sizing decisions. */
    int size() {
        return requestBody.length + legacy.body().length + candidate.body().length;
    }
}
