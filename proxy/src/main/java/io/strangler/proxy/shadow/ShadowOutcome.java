package io.strangler.proxy.shadow;

import java.util.Locale;

/** What became of one request of a route with a candidate, as counted in metrics. */
public enum ShadowOutcome {
    /** Both sides answered and no difference remained after the route's rules (reason: matched or ignored). */
    MATCHED,
    /** Both sides answered and at least one difference was not ignored (reason: diverged). */
    DIVERGED,
    /** A side failed without a response (reason: {@code <side>_<failure>}, e.g. {@code candidate_timeout}). */
    FAILED,
    /** Nothing was compared (reason: a {@link SkipReason} tag). */
    SKIPPED;

    private final String tag = name().toLowerCase(Locale.ROOT);

    public String tag() {
        return tag;
    }
}
