package io.strangler.comparator;

import java.util.Locale;

/** The outcome of comparing one legacy response with one candidate response. */
public enum Verdict {
    /** No differences, or only ones the rules ignore and none at all otherwise. */
    MATCHED,
    /** At least one difference that no rule ignores: a divergence. */
    DIVERGED,
    /** Differences were found, and every one of them was ignored by a rule. */
    IGNORED,
    /** The candidate failed to answer (connect error, timeout, reset); legacy answered. */
    CANDIDATE_FAILED,
    /** Legacy failed to answer; the candidate answered. */
    LEGACY_FAILED,
    /** Neither answered. */
    BOTH_FAILED;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
