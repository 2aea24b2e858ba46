package io.strangler.toggles;

/**
 * How to serve one request.
 *
 * @param mode the route's mode as applied (LEGACY while the kill switch is on)
 * @param servedByCandidate true if the candidate serves this request (legacy then is the shadow)
 * @param shadow true if the other side gets a copy to compare
 * @param pilot true if the request was recognised as a pilot user's
 */
public record Decision(Mode mode, boolean servedByCandidate, boolean shadow, boolean pilot) {

    public static final Decision LEGACY_ONLY = new Decision(Mode.LEGACY, false, false, false);
}
