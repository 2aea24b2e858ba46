package io.strangler.proxy.upstream;

import static java.util.Objects.requireNonNull;

import io.strangler.proxy.exchange.ProxyError;

/** No connection could be had for a request. Stackless: it is an expected outcome, not a bug. */
public final class UpstreamAcquireException extends Exception {

    private final transient ProxyError error;

    UpstreamAcquireException(ProxyError error) {
        super(error.message(), null, false, false);
        this.error = requireNonNull(error, "error");
    }

    public ProxyError error() {
        return error;
    }
}
