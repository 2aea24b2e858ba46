package io.strangler.comparator;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How one route's responses are compared. Immutable; build once from config with {@link #builder()}.
 *
 * @param ignoreHeaders headers never compared (lower case), on top of {@link #ALWAYS_IGNORED_HEADERS}
 * @param ignorePaths JSON paths (and everything under them) never compared
 * @param unorderedArrays arrays compared as multisets, or matched by a key field
 * @param numericTolerance relative tolerance for numbers: |a - b| <= tolerance * max(|a|, |b|)
 * @param normalize regex replacements applied to both sides' text (and JSON strings) before comparing
 * @param maxBodyBytes bodies are compared up to this many bytes (beyond it: by length and hash of the prefix)
 */
public record CompareRules(Set<String> ignoreHeaders, List<JsonPath> ignorePaths, List<UnorderedArray> unorderedArrays,
        double numericTolerance, List<Normalization> normalize, int maxBodyBytes) {

    /**
     * Headers that differ between any two servers or any two responses and so are never compared: framing,
     * per-response ids and stamps, and what the proxy adds itself. Content-Length is framing too: where bodies
     * differ the body comparison says where, and a length that differs because of a timestamp would only be noise.
     */
    public static final Set<String> ALWAYS_IGNORED_HEADERS = Set.of("date", "server", "x-request-id", "set-cookie",
            "via", "age", "etag", "connection", "keep-alive", "transfer-encoding", "content-length",
            "x-strangler-served-by");

    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

    /** An array compared regardless of order: as a multiset, or element by element matched on {@code key}. */
    public record UnorderedArray(JsonPath path, Optional<String> key) {
        public UnorderedArray {
            requireNonNull(path, "path");
            requireNonNull(key, "key");
        }

        /** Parses {@code "$.items"} or {@code "$.items by id"}. */
        public static UnorderedArray parse(String text) {
            String t = text.trim();
            int by = t.indexOf(" by ");
            if (by < 0 && t.endsWith(" by")) {
                throw new IllegalArgumentException("'" + text + "' (expected: \"$.path\" or \"$.path by field\")");
            }
            if (by < 0) {
                return new UnorderedArray(JsonPath.parse(t), Optional.empty());
            }
            String key = t.substring(by + 4).trim();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "' (expected: \"$.path\" or \"$.path by field\")");
            }
            return new UnorderedArray(JsonPath.parse(t.substring(0, by)), Optional.of(key));
        }

        @Override
        public String toString() {
            return path + key.map(k -> " by " + k).orElse("");
        }
    }

    /** A named regex replacement, e.g. UUIDs to {@code <uuid>}. */
    public record Normalization(String name, Pattern pattern, String replacement) {
        public Normalization {
            requireNonNull(name, "name");
            requireNonNull(pattern, "pattern");
            requireNonNull(replacement, "replacement");
        }
    }

    public CompareRules {
        Set<String> h = new LinkedHashSet<>();
        requireNonNull(ignoreHeaders, "ignoreHeaders").forEach(x -> h.add(x.toLowerCase(Locale.ROOT)));
        ignoreHeaders = Set.copyOf(h);
        ignorePaths = List.copyOf(ignorePaths);
        unorderedArrays = List.copyOf(unorderedArrays);
        normalize = List.copyOf(normalize);
        if (!(numericTolerance >= 0 && numericTolerance < 1)) {
            throw new IllegalArgumentException("numericTolerance: " + numericTolerance + " (expected: >= 0 and < 1)");
        }
        if (maxBodyBytes <= 0) {
            throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: > 0)");
        }
    }

    public static CompareRules defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects rules; {@link #build()} validates them. */
    public static final class Builder {
        private final Set<String> ignoreHeaders = new LinkedHashSet<>();
        private final List<JsonPath> ignorePaths = new ArrayList<>();
        private final List<UnorderedArray> unorderedArrays = new ArrayList<>();
        private final List<Normalization> normalize = new ArrayList<>();
        private double numericTolerance;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;

        public Builder ignoreHeaders(String... names) {
            ignoreHeaders.addAll(List.of(names));
            return this;
        }

        public Builder ignorePaths(String... paths) {
            for (String p : paths) {
                ignorePaths.add(JsonPath.parse(p));
            }
            return this;
        }

        public Builder unorderedArrays(String... specs) {
            for (String s : specs) {
                unorderedArrays.add(UnorderedArray.parse(s));
            }
            return this;
        }

        public Builder numericTolerance(double tolerance) {
            this.numericTolerance = tolerance;
            return this;
        }

        public Builder normalize(String name, String regex, String replacement) {
            normalize.add(new Normalization(name, Pattern.compile(regex), replacement));
            return this;
        }

        public Builder maxBodyBytes(int bytes) {
            this.maxBodyBytes = bytes;
            return this;
        }

        public CompareRules build() {
            return new CompareRules(ignoreHeaders, ignorePaths, unorderedArrays, numericTolerance, normalize,
                    maxBodyBytes);
        }
    }
}
