package io.strangler.comparator;

import java.util.Locale;

/** What sort of difference one {@link Difference} is. */
public enum DifferenceKind {
    /** The status codes differ. Path {@code status}. */
    STATUS,
    /** A header differs or is present on one side only. Path {@code header:Name}. */
    HEADER,
    /** A JSON field legacy has and the candidate lacks. */
    MISSING_FIELD,
    /** A JSON field the candidate has and legacy lacks. */
    EXTRA_FIELD,
    /** The JSON types differ (e.g. number vs string). */
    TYPE,
    /** Two JSON scalars differ. */
    VALUE,
    /** Two JSON arrays have different lengths. */
    ARRAY_LENGTH,
    /** Two JSON arrays hold the same elements in a different order. */
    ORDER,
    /** Text bodies (or bodies that could not be parsed as declared) differ. */
    TEXT,
    /** Non-text bodies differ (compared by length and hash). */
    BINARY;

    /** The lower-case name used in reports, metrics and config. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
