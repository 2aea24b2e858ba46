package io.strangler.proxy.upstream;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.strangler.proxy.exchange.ProxyError;

/**
 * Receives one upstream response as it streams in. Every method is called on the upstream connection's event
 * loop, which is also the inbound channel's, so implementations need no synchronisation. Exactly one of
 * {@link #onEnd} or {@link #onFailure} ends a response.
 */
public interface UpstreamResponseListener {

    /** The status line and headers. The object is not reference counted; the listener may keep it. */
    void onHead(HttpResponse head);

    /** A piece of the body. Ownership passes to the listener, which must release or write it. */
    void onContent(HttpContent content);

    /** The end of the body (it may carry the last bytes). Ownership passes to the listener. */
    void onEnd(LastHttpContent last);

    /** The upstream read loop went idle: a good moment to flush what was written to the client. */
    void onReadComplete();

    /**
     * The response failed. The connection is already closed.
     *
     * @param error what went wrong
     * @param afterHead true if {@link #onHead} was already called (the client may have the head already)
     * @param retryable true if nothing was received on a reused connection, so the request may be sent again
     */
    void onFailure(ProxyError error, boolean afterHead, boolean retryable);
}
