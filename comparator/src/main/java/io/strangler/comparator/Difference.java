package io.strangler.comparator;

import static java.util.Objects.requireNonNull;

/**
 * One difference between legacy and candidate.
 *
 * @param kind what differs
 * @param path where: {@code status}, {@code header:Content-Type}, a JSON path such as {@code $.items[2].price}, or
 *     {@code body} / {@code body:line 12} for text and binary bodies
 * @param legacy legacy's value as shown to people (truncated), or null if absent
 * @param candidate the candidate's value as shown to people (truncated), or null if absent
 */
public record Difference(DifferenceKind kind, String path, String legacy, String candidate) {

    /** Longest value kept for display; longer values end with an ellipsis. */
    public static final int MAX_VALUE_CHARS = 200;

    public Difference {
        requireNonNull(kind, "kind");
        requireNonNull(path, "path");
        legacy = truncate(legacy);
        candidate = truncate(candidate);
    }

    /** The same difference seen from the other side. */
    public Difference swapped() {
        DifferenceKind k = switch (kind) {
            case MISSING_FIELD -> DifferenceKind.EXTRA_FIELD;
            case EXTRA_FIELD -> DifferenceKind.MISSING_FIELD;
            default -> kind;
        };
        return new Difference(k, path, candidate, legacy);
    }

    static String truncate(String s) {
        if (s == null || s.length() <= MAX_VALUE_CHARS) {
            return s;
        }
        return s.substring(0, MAX_VALUE_CHARS - 1) + "…";
    }
}
