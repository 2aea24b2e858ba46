package io.strangler.proxy.exchange;

/** The request target as an upstream wants it: origin form ({@code /path?query}). */
public final class RequestTarget {

    private RequestTarget() {
    }

    /**
     * Turns an absolute-form target ({@code http://host/path?q}, which HTTP/1.1 servers must accept) into origin
     * form; returns anything else unchanged.
     */
    public static String originForm(String uri) {
        if (uri.startsWith("/")) {
            return uri;
        }
        int scheme = uri.indexOf("://");
        if (scheme > 0 && scheme <= 5) {
            int pathStart = uri.indexOf('/', scheme + 3);
            int queryStart = uri.indexOf('?', scheme + 3);
            if (pathStart < 0 || (queryStart >= 0 && queryStart < pathStart)) {
                return queryStart < 0 ? "/" : "/" + uri.substring(queryStart);
            }
            return uri.substring(pathStart);
        }
        return uri;
    }

    /** The path of an origin-form target, without its query. */
    public static String path(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }
}
