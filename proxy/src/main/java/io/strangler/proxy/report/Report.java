package io.strangler.proxy.report;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A divergence report: what the store holds for a time window, grouped by route, endpoint and difference. Plain
 * values, rendered as JSON, Markdown or HTML. Times are ISO-8601 strings, latencies milliseconds.
 *
 * @param generatedAt when the report was made
 * @param since start of the window
 * @param store where the data came from (URL without credentials)
 * @param instances proxy instances that wrote to the window
 * @param routes one entry per route with data in the window
 */
public record Report(String generatedAt, String since, String store, List<String> instances, List<RouteReport> routes) {

    public Report {
        instances = List.copyOf(instances);
        routes = List.copyOf(routes);
    }

    public boolean empty() {
        return routes.isEmpty();
    }

    /** p50 and p99 of one side, and how many calls they describe. */
    public record Latency(long count, double p50, double p99) {
        public static final Latency NONE = new Latency(0, 0, 0);
    }

    /**
     * @param comparisons matched + diverged
     * @param matchRate matched / comparisons (0 when there were none)
     * @param failed failed outcomes by reason ({@code candidate_timeout}, ...)
     * @param skipped skipped requests by reason
     */
    public record RouteReport(String route, long comparisons, long matched, long diverged, double matchRate,
            Map<String, Long> failed, Map<String, Long> skipped, Latency legacy, Latency candidate,
            List<EndpointReport> endpoints) {
        public RouteReport {
            failed = Map.copyOf(failed);
            skipped = Map.copyOf(skipped);
            endpoints = List.copyOf(endpoints);
        }

        public long failedTotal() {
            return failed.values().stream().mapToLong(Long::longValue).sum();
        }

        public long skippedTotal() {
            return skipped.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** @param differences ranked by count, noise suspects included (see {@link DifferenceReport#suspectedNoise}) */
    public record EndpointReport(String endpoint, long comparisons, long diverged, double divergenceRate,
            Latency legacy, Latency candidate, List<DifferenceReport> differences) {
        public EndpointReport {
            differences = List.copyOf(differences);
        }
    }

    /**
     * @param rate count / comparisons of the endpoint
     * @param firstSeen start of the first minute it was seen in the window
     * @param suspectedNoise legacy's value here never repeats across the stored samples and it differs in nearly
     *     every comparison: probably a timestamp or nonce, listed apart
     * @param sample the latest stored sample showing it
     */
    public record DifferenceReport(String path, String kind, long count, double rate, String firstSeen,
            String lastSeen, boolean suspectedNoise, Optional<Sample> sample) {
    }

    /** One stored comparison: the request and both answers (redacted when stored). */
    public record Sample(long id, String at, String instance, String requestId, String method, String target,
            Map<String, List<String>> requestHeaders, String requestBody, Side legacy, Side candidate,
            List<Difference> differences) {
        public Sample {
            requestHeaders = Map.copyOf(requestHeaders);
            differences = List.copyOf(differences);
        }
    }

    public record Side(int status, Map<String, List<String>> headers, String body, double millis, String error) {
        public Side {
            headers = Map.copyOf(headers);
        }
    }

    public record Difference(String kind, String path, String legacy, String candidate) {
    }
}
