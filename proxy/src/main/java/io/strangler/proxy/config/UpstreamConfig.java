package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * One upstream system (a legacy or a candidate deployment), referenced by routes through its id.
 *
 * @param id the key under {@code upstreams:}
 * @param host host to connect to
 * @param port port to connect to
 * @param hostHeader the {@code Host} value sent when a route does not preserve the client's
 * @param connectTimeout TCP connect timeout (exceeded: 504)
 * @param responseTimeout longest wait for the response headers, and for each further piece of the body (exceeded
 *     before the headers: 504; after them: the client connection is closed)
 * @param maxConnections open connections to this upstream at most, across all event loops
 * @param idleTimeout an idle pooled connection is closed after this long
 * @param responseDecoder {@code strangler} (plain responses decoded by our fast path, anything else by Netty's
 *     decoder; both read every response the same way) or {@code netty} (every response by Netty's decoder)
 */
public record UpstreamConfig(
        String id,
        String host,
        int port,
        String hostHeader,
        Duration connectTimeout,
        Duration responseTimeout,
        int maxConnections,
        Duration idleTimeout,
        String responseDecoder) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_CONNECTIONS = 256;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final String DEFAULT_RESPONSE_DECODER = "strangler";

    public UpstreamConfig {
        requireNonNull(id, "id");
        requireNonNull(host, "host");
        requireNonNull(hostHeader, "hostHeader");
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(responseTimeout, "responseTimeout");
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(responseDecoder, "responseDecoder");
    }

    /** True when plain responses are decoded by our fast path ({@code responseDecoder: strangler}). */
    public boolean fastResponseDecoder() {
        return "strangler".equals(responseDecoder);
    }

    public UpstreamConfig withResponseDecoder(String decoder) {
        return new UpstreamConfig(id, host, port, hostHeader, connectTimeout, responseTimeout, maxConnections,
                idleTimeout, decoder);
    }

    /** An upstream with the default timeouts and limits, for code that builds config without a file. */
    public static UpstreamConfig of(String id, String host, int port) {
        return new UpstreamConfig(id, host, port, host + ":" + port, DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_RESPONSE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_IDLE_TIMEOUT, DEFAULT_RESPONSE_DECODER);
    }
}
