package io.strangler.comparator;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Learns which difference paths are noise, per route and endpoint template.
 *
 * <p>With a secondary legacy call (the same request sent to legacy twice), it counts how often legacy disagrees
 * with itself on each path (the noise rate) and how often legacy disagrees with the candidate (the raw rate). A
 * path whose noise rate reaches {@code noiseRatio} of its raw rate is {@link NoiseClass#NOISE}: legacy itself is
 * not stable there, so the candidate cannot be blamed. Without a secondary, a path whose legacy values never
 * repeat over {@code minSamples} differences (timestamps, nonces) is {@link NoiseClass#SUSPECTED_NOISE}: shown
 * as a suggestion, never hidden.
 *
 * <p>Thread-safe. Memory is bounded: at most {@code maxPaths} paths are tracked, and at most
 * {@link #DISTINCT_VALUES_KEPT} value hashes per path.
 */
public final class NoiseDetector {

    /** What the detector believes about one path. */
    public enum NoiseClass {
        /** Not enough samples yet. */
        UNKNOWN,
        /** Differences here are real: legacy is stable, the candidate differs. */
        SIGNAL,
        /** Legacy disagrees with itself here about as often as with the candidate. Not a divergence. */
        NOISE,
        /** No secondary data, but legacy's values here never repeat: probably a timestamp or nonce. */
        SUSPECTED_NOISE
    }

    /** Counts for one (route, endpoint, path), with the resulting class. */
    public record PathStats(String route, String endpoint, String path, DifferenceKind kind, long candidateDiffs,
            long comparisons, long legacyDiffs, long secondaryComparisons, NoiseClass noiseClass) {
    }

    static final int DISTINCT_VALUES_KEPT = 64;

    private final double noiseRatio;
    private final int minSamples;
    private final int maxPaths;
    /** Per "route endpoint": [0] legacy-vs-candidate comparisons, [1] legacy-vs-secondary comparisons. */
    private final Map<String, AtomicLongArray> comparisons = new ConcurrentHashMap<>();
    private final Map<PathKey, PathCounts> paths = new ConcurrentHashMap<>();

    private record PathKey(String route, String endpoint, String path) {
    }

    /** Mutable counts; guarded by its own monitor. */
    private static final class PathCounts {
        DifferenceKind kind;
        long candidateDiffs;
        long legacyDiffs;
        final Set<Integer> legacyValues = new HashSet<>();
        boolean legacyValueRepeated;
        long legacyValueSamples;
    }

    /**
     * @param noiseRatio a path is noise when legacy-vs-legacy rate >= noiseRatio * legacy-vs-candidate rate (0..1]
     * @param minSamples comparisons (and secondary comparisons) needed before a path is classified
     * @param maxPaths paths tracked at most; beyond that new paths stay {@link NoiseClass#UNKNOWN}
     */
    public NoiseDetector(double noiseRatio, int minSamples, int maxPaths) {
        if (!(noiseRatio > 0 && noiseRatio <= 1)) {
            throw new IllegalArgumentException("noiseRatio: " + noiseRatio + " (expected: > 0 and <= 1)");
        }
        if (minSamples < 1 || maxPaths < 1) {
            throw new IllegalArgumentException("minSamples, maxPaths: " + minSamples + ", " + maxPaths
                    + " (expected: >= 1)");
        }
        this.noiseRatio = noiseRatio;
        this.minSamples = minSamples;
        this.maxPaths = maxPaths;
    }

    public static NoiseDetector withDefaults() {
        return new NoiseDetector(0.5, 20, 10_000);
    }

    /** Learns from a legacy-vs-candidate comparison (differences and ignored ones alike). */
    public void recordCandidate(Comparison c) {
        if (!countable(c)) {
            return;
        }
        counter(c).incrementAndGet(0);
        for (Difference d : allDifferences(c)) {
            PathCounts pc = counts(c, d);
            if (pc == null) {
                continue;
            }
            synchronized (pc) {
                pc.candidateDiffs++;
                pc.kind = d.kind();
                if (d.legacy() != null && !pc.legacyValueRepeated) {
                    pc.legacyValueSamples++;
                    if (pc.legacyValues.size() < DISTINCT_VALUES_KEPT && !pc.legacyValues.add(d.legacy().hashCode())) {
                        pc.legacyValueRepeated = true;
                        pc.legacyValues.clear();
                    }
                }
            }
        }
    }

    /** Learns from a legacy-vs-secondary-legacy comparison of the same request. */
    public void recordSecondary(Comparison c) {
        if (!countable(c)) {
            return;
        }
        counter(c).incrementAndGet(1);
        for (Difference d : allDifferences(c)) {
            PathCounts pc = counts(c, d);
            if (pc != null) {
                synchronized (pc) {
                    pc.legacyDiffs++;
                    if (pc.kind == null) {
                        pc.kind = d.kind();
                    }
                }
            }
        }
    }

    /**
     * The comparison with differences on {@link NoiseClass#NOISE} paths moved to {@code ignored} (rule
     * {@code noise:<path>}), and its verdict recomputed. Suspected noise is left in place.
     */
    public Comparison filter(Comparison c) {
        if (c.differences().isEmpty()) {
            return c;
        }
        List<Difference> kept = new ArrayList<>();
        List<Difference> ignored = new ArrayList<>(c.ignored());
        Map<String, Integer> hits = new LinkedHashMap<>(c.ruleHits());
        for (Difference d : c.differences()) {
            if (classify(c.request().routeId(), c.endpoint(), d.path()) == NoiseClass.NOISE) {
                ignored.add(d);
                hits.merge("noise:" + d.path(), 1, Integer::sum);
            } else {
                kept.add(d);
            }
        }
        if (kept.size() == c.differences().size()) {
            return c;
        }
        Verdict v = !kept.isEmpty() ? Verdict.DIVERGED : Verdict.IGNORED;
        return new Comparison(c.request(), c.endpoint(), v, kept, ignored, hits, c.notes());
    }

    public NoiseClass classify(String route, String endpoint, String path) {
        PathCounts pc = paths.get(new PathKey(route, endpoint, path));
        AtomicLongArray n = comparisons.get(route + " " + endpoint);
        if (pc == null || n == null) {
            return NoiseClass.UNKNOWN;
        }
        synchronized (pc) {
            return classify(pc, n.get(0), n.get(1));
        }
    }

    private NoiseClass classify(PathCounts pc, long comparisonCount, long secondaryCount) {
        if (secondaryCount >= minSamples && comparisonCount >= minSamples) {
            double raw = (double) pc.candidateDiffs / comparisonCount;
            double noise = (double) pc.legacyDiffs / secondaryCount;
            return raw > 0 && noise >= noiseRatio * raw ? NoiseClass.NOISE : NoiseClass.SIGNAL;
        }
        if (pc.legacyValueRepeated && pc.candidateDiffs >= minSamples) {
            return NoiseClass.SIGNAL;
        }
        if (!pc.legacyValueRepeated && pc.legacyValueSamples >= minSamples) {
            return NoiseClass.SUSPECTED_NOISE;
        }
        return NoiseClass.UNKNOWN;
    }

    /** Every tracked path with its counts and class, most candidate differences first. */
    public List<PathStats> report() {
        List<PathStats> out = new ArrayList<>();
        paths.forEach((k, pc) -> {
            AtomicLongArray n = comparisons.getOrDefault(k.route() + " " + k.endpoint(), new AtomicLongArray(2));
            synchronized (pc) {
                out.add(new PathStats(k.route(), k.endpoint(), k.path(), pc.kind, pc.candidateDiffs, n.get(0),
                        pc.legacyDiffs, n.get(1), classify(pc, n.get(0), n.get(1))));
            }
        });
        out.sort(Comparator.comparingLong(PathStats::candidateDiffs).reversed().thenComparing(PathStats::path));
        return out;
    }

    private static boolean countable(Comparison c) {
        requireNonNull(c, "comparison");
        Verdict v = c.verdict();
        return v == Verdict.MATCHED || v == Verdict.DIVERGED || v == Verdict.IGNORED;
    }

    private AtomicLongArray counter(Comparison c) {
        return comparisons.computeIfAbsent(c.request().routeId() + " " + c.endpoint(), k -> new AtomicLongArray(2));
    }

    private static List<Difference> allDifferences(Comparison c) {
        List<Difference> all = new ArrayList<>(c.differences());
        all.addAll(c.ignored());
        return all;
    }

    private PathCounts counts(Comparison c, Difference d) {
        PathKey key = new PathKey(c.request().routeId(), c.endpoint(), d.path());
        PathCounts pc = paths.get(key);
        if (pc == null) {
            if (paths.size() >= maxPaths) {
                return null;
            }
            pc = paths.computeIfAbsent(key, k -> new PathCounts());
        }
        return pc;
    }
}
