package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where divergences are kept and what is kept of them.
 *
 * @param url JDBC URL: {@code jdbc:h2:file:...} (embedded, the default) or {@code jdbc:postgresql://...} (shared)
 * @param user database user, if the URL does not carry one
 * @param password database password
 * @param instance this proxy's name in the store, so that several instances can share one database
 * @param samplesPerDifference samples kept per (route, endpoint, difference path, kind), plus the latest
 * @param maxBodyBytes bytes of each request and response body kept in a sample
 * @param retention samples and counts older than this are deleted
 * @param maxSamples sample rows kept at most; the oldest go first
 * @param queueSize samples waiting for the writer at most; beyond it samples are dropped (counts are not)
 * @param flushInterval how often counts, latency histograms and samples are written
 * @param redact what never reaches the store
 */
public record StoreConfig(String url, Optional<String> user, Optional<String> password, String instance,
        int samplesPerDifference, int maxBodyBytes, Duration retention, int maxSamples, int queueSize,
        Duration flushInterval, Redaction redact) {

    public static final String DEFAULT_URL = "jdbc:h2:file:./strangler-data/strangler";

    /**
     * What is replaced by {@code [redacted]} before anything is stored. Authorization, Cookie, Set-Cookie and
     * Proxy-Authorization headers always are.
     *
     * @param headers further header names
     * @param jsonPaths JSON paths in request and response bodies ({@code $.password}, {@code $..token})
     * @param queryParams query parameters
     */
    public record Redaction(List<String> headers, List<String> jsonPaths, List<String> queryParams) {
        public Redaction {
            headers = List.copyOf(headers);
            jsonPaths = List.copyOf(jsonPaths);
            queryParams = List.copyOf(queryParams);
        }

        public static Redaction none() {
            return new Redaction(List.of(), List.of(), List.of());
        }
    }

    public StoreConfig {
        requireNonNull(url, "url");
        requireNonNull(user, "user");
        requireNonNull(password, "password");
        requireNonNull(instance, "instance");
        requireNonNull(retention, "retention");
        requireNonNull(flushInterval, "flushInterval");
        requireNonNull(redact, "redact");
    }

    public static StoreConfig defaults() {
        return new StoreConfig(DEFAULT_URL, Optional.empty(), Optional.empty(), defaultInstance(), 5, 64 * 1024,
                Duration.ofDays(7), 100_000, 1_000, Duration.ofSeconds(1), Redaction.none());
    }

    /** host name and process id: unique per running proxy, readable in reports. */
    public static String defaultInstance() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    public StoreConfig withUrl(String newUrl) {
        return new StoreConfig(newUrl, user, password, instance, samplesPerDifference, maxBodyBytes, retention,
                maxSamples, queueSize, flushInterval, redact);
    }
}
