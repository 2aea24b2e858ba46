package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Comparison settings shared by every route: how paths are grouped into endpoints, and when the noise detector
 * calls a field noise.
 *
 * @param endpointIdPatterns regexes for path segments that are ids (whole segment), on top of numbers, UUIDs and
 *     hex strings: {@code SKU-[A-Z0-9]+} makes {@code /api/items/SKU-42} the endpoint {@code /api/items/{id}}
 * @param noiseRatio a field is noise when legacy differs from itself at least this fraction as often as it differs
 *     from the candidate (0 < ratio <= 1)
 * @param noiseMinSamples comparisons needed (on each side) before a field is classified
 * @param noiseMaxPaths fields tracked at most by the noise detector
 */
public record ComparisonConfig(List<String> endpointIdPatterns, double noiseRatio, int noiseMinSamples,
        int noiseMaxPaths) {

    public ComparisonConfig {
        endpointIdPatterns = List.copyOf(requireNonNull(endpointIdPatterns, "endpointIdPatterns"));
        if (!(noiseRatio > 0 && noiseRatio <= 1) || noiseMinSamples < 1 || noiseMaxPaths < 1) {
            throw new IllegalArgumentException("noiseRatio, noiseMinSamples, noiseMaxPaths: " + noiseRatio + ", "
                    + noiseMinSamples + ", " + noiseMaxPaths);
        }
    }

    public static ComparisonConfig defaults() {
        return new ComparisonConfig(List.of(), 0.5, 20, 10_000);
    }
}
