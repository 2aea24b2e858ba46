package io.strangler.comparator;

import static java.util.Objects.requireNonNull;

/**
 * The request both observations answer, as far as comparison needs it.
 *
 * @param routeId the proxy route
 * @param method HTTP method
 * @param path the request path without the query
 */
public record ComparedRequest(String routeId, String method, String path) {
    public ComparedRequest {
        requireNonNull(routeId, "routeId");
        requireNonNull(method, "method");
        requireNonNull(path, "path");
    }
}
