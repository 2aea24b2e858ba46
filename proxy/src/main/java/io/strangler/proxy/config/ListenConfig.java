package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The live-traffic listener: where it binds and the limits every inbound request is held to.
 *
 * @param host bind address
 * @param port bind port; 0 picks a free port (tests)
 * @param transport {@code auto} (io_uring, then epoll, then NIO), {@code io_uring}, {@code epoll} or {@code nio}
 * @param ioThreads event loop threads; 0 means one per available processor
 * @param maxInitialLineBytes longest request line accepted (longer: 414)
 * @param maxHeaderBytes largest header block accepted (larger: 431)
 * @param maxRequestBodyBytes largest request body accepted (larger: 413)
 * @param requestHeaderTimeout time from a request's first byte to the end of its headers (slower: 408 and close)
 * @param idleTimeout an idle keep-alive connection, or a request body that stalls, is closed after this long
 * @param drainTimeout on shutdown, how long in-flight requests may take to finish
 * @param requestDecoder {@code strangler} (ours, the default: stricter about framing and syntax, and cheaper per
 *                       request; see docs/configuration.md) or {@code netty} (Netty's HTTP/1.1 request decoder)
 */
public record ListenConfig(
        String host,
        int port,
        String transport,
        int ioThreads,
        int maxInitialLineBytes,
        int maxHeaderBytes,
        int maxRequestBodyBytes,
        Duration requestHeaderTimeout,
        Duration idleTimeout,
        Duration drainTimeout,
        String requestDecoder) {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_MAX_INITIAL_LINE_BYTES = 8 * 1024;
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    public static final int DEFAULT_MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;
    public static final Duration DEFAULT_REQUEST_HEADER_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    public static final String DEFAULT_REQUEST_DECODER = "strangler";

    public ListenConfig {
        requireNonNull(host, "host");
        requireNonNull(transport, "transport");
        requireNonNull(requestHeaderTimeout, "requestHeaderTimeout");
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(drainTimeout, "drainTimeout");
        requireNonNull(requestDecoder, "requestDecoder");
    }

    public static ListenConfig defaults() {
        return new ListenConfig(DEFAULT_HOST, DEFAULT_PORT, "auto", 0, DEFAULT_MAX_INITIAL_LINE_BYTES,
                DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_REQUEST_BODY_BYTES, DEFAULT_REQUEST_HEADER_TIMEOUT,
                DEFAULT_IDLE_TIMEOUT, DEFAULT_DRAIN_TIMEOUT, DEFAULT_REQUEST_DECODER);
    }

    /** True when the listener uses our request decoder rather than Netty's. */
    public boolean strictDecoder() {
        return "strangler".equals(requestDecoder);
    }

    public ListenConfig withPort(int newPort) {
        return new ListenConfig(host, newPort, transport, ioThreads, maxInitialLineBytes, maxHeaderBytes,
                maxRequestBodyBytes, requestHeaderTimeout, idleTimeout, drainTimeout, requestDecoder);
    }

    public ListenConfig withRequestDecoder(String newDecoder) {
        return new ListenConfig(host, port, transport, ioThreads, maxInitialLineBytes, maxHeaderBytes,
                maxRequestBodyBytes, requestHeaderTimeout, idleTimeout, drainTimeout, newDecoder);
    }

    public ListenConfig withHost(String newHost) {
        return new ListenConfig(newHost, port, transport, ioThreads, maxInitialLineBytes, maxHeaderBytes,
                maxRequestBodyBytes, requestHeaderTimeout, idleTimeout, drainTimeout, requestDecoder);
    }
}
