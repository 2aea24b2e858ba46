package io.strangler.toggles;

/**
 * Whether a route records its traffic for replay, as the toggle holds it.
 *
 * @param on record every (sampled) request the route's legacy side serves
 * @param changedAt when it was last set (epoch milliseconds; 0 for the config's initial state). A recorder that
 *     sees a newer change turned on retries writing after an earlier write failure.
 */
public record Recording(boolean on, long changedAt) {

    public static final Recording OFF = new Recording(false, 0);
}
