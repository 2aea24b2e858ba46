package io.strangler.proxy.exchange;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Every way the proxy can fail a live request, with the status the client gets and the tag metrics and logs use.
 * The client's body names the cause: {@code {"error": "<tag>", "message": ..., "route": ..., "requestId": ...}}.
 */
public enum ProxyError {
    MALFORMED_REQUEST(HttpResponseStatus.BAD_REQUEST, "malformed_request", "the request is not valid HTTP/1.1"),
    URI_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long", "the request line is too long"),
    HEADERS_TOO_LARGE(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large",
            "the request headers are larger than the proxy accepts"),
    BODY_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
            "the request body is larger than the proxy accepts"),
    REQUEST_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout",
            "the request was not received in time"),
    NO_ROUTE(HttpResponseStatus.NOT_FOUND, "no_route", "no route matches this request"),
    UPSTREAM_REFUSED(HttpResponseStatus.BAD_GATEWAY, "upstream_refused", "the upstream refused the connection"),
    UPSTREAM_RESET(HttpResponseStatus.BAD_GATEWAY, "upstream_reset",
            "the upstream closed the connection before responding"),
    UPSTREAM_MALFORMED(HttpResponseStatus.BAD_GATEWAY, "upstream_malformed",
            "the upstream sent a response that is not valid HTTP/1.1"),
    UPSTREAM_CONNECT_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_connect_timeout",
            "the upstream did not accept the connection in time"),
    UPSTREAM_RESPONSE_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_response_timeout",
            "the upstream did not respond in time"),
    UPSTREAM_POOL_EXHAUSTED(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream_pool_exhausted",
            "every connection to the upstream is busy"),
    SHUTTING_DOWN(HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting_down", "the proxy is shutting down");

    private final HttpResponseStatus status;
    private final String tag;
    private final String message;

    ProxyError(HttpResponseStatus status, String tag, String message) {
        this.status = status;
        this.tag = tag;
        this.message = message;
    }

    public HttpResponseStatus status() {
        return status;
    }

    /** Low-cardinality name for metrics, logs and the JSON body. */
    public String tag() {
        return tag;
    }

    public String message() {
        return message;
    }
}
