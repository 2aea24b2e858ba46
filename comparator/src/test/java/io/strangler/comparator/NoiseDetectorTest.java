package io.strangler.comparator;

import static io.strangler.comparator.ResponseComparatorTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.comparator.NoiseDetector.NoiseClass;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NoiseDetectorTest {

    private final ResponseComparator comparator = new ResponseComparator();
    private final CompareRules rules = CompareRules.defaults();

    /** An item as a system would render it at a given moment: a timestamp that always moves, and a price. */
    private static String item(int id, long millis, String price) {
        return "{\"id\":" + id + ",\"generatedAt\":\"2026-11-23T10:00:00." + millis + "Z\",\"price\":" + price + "}";
    }

    @Test
    void shouldSeparateATimestampNoiseFieldFromARealPriceChange() {
        NoiseDetector noise = new NoiseDetector(0.5, 20, 1000);
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            int id = random.nextInt(50);
            String price = String.valueOf(10 + id % 5);
            // The candidate has a rounding bug on a third of the items.
            String candidatePrice = id % 3 == 0 ? price + ".01" : price;
            ComparedRequest req = new ComparedRequest("items", "GET", "/api/items/" + id);
            Comparison candidate = comparator.compare(req, json(item(id, i * 3L, price)),
                    json(item(id, i * 3L + 1, candidatePrice)), rules);
            Comparison secondary = comparator.compare(req, json(item(id, i * 3L, price)),
                    json(item(id, i * 3L + 2, price)), rules);
            noise.recordCandidate(candidate);
            noise.recordSecondary(secondary);
        }

        assertThat(noise.classify("items", "/api/items/{id}", "$.generatedAt")).isEqualTo(NoiseClass.NOISE);
        assertThat(noise.classify("items", "/api/items/{id}", "$.price")).isEqualTo(NoiseClass.SIGNAL);
        Comparison fresh = comparator.compare(new ComparedRequest("items", "GET", "/api/items/3"),
                json(item(3, 1, "13")), json(item(3, 2, "13.01")), rules);
        Comparison filtered = noise.filter(fresh);
        assertThat(filtered.verdict()).isEqualTo(Verdict.DIVERGED);
        assertThat(filtered.differences()).extracting(Difference::path).containsExactly("$.price");
        assertThat(filtered.ruleHits()).containsEntry("noise:$.generatedAt", 1);
        Comparison onlyNoise = noise.filter(comparator.compare(new ComparedRequest("items", "GET", "/api/items/4"),
                json(item(4, 1, "14")), json(item(4, 2, "14")), rules));
        assertThat(onlyNoise.verdict()).isEqualTo(Verdict.IGNORED);
    }

    @Test
    void shouldSuspectNoiseWithoutASecondaryWhenLegacyValuesNeverRepeat() {
        NoiseDetector noise = new NoiseDetector(0.5, 20, 1000);
        for (int i = 0; i < 100; i++) {
            int id = i % 4;
            noise.recordCandidate(comparator.compare(new ComparedRequest("items", "GET", "/api/items/" + id),
                    json(item(id, i * 2L, String.valueOf(id))), json(item(id, i * 2L + 1, id + ".5")), rules));
        }

        assertThat(noise.classify("items", "/api/items/{id}", "$.generatedAt")).isEqualTo(NoiseClass.SUSPECTED_NOISE);
        assertThat(noise.classify("items", "/api/items/{id}", "$.price")).isEqualTo(NoiseClass.SIGNAL);
        // Suspected noise is a suggestion: it is not filtered away.
        Comparison c = comparator.compare(new ComparedRequest("items", "GET", "/api/items/1"),
                json(item(1, 1, "1")), json(item(1, 2, "1")), rules);
        assertThat(noise.filter(c).differences()).extracting(Difference::path).containsExactly("$.generatedAt");
        assertThat(noise.report()).extracting(NoiseDetector.PathStats::path).contains("$.generatedAt", "$.price");
    }

    @Test
    void shouldStayUnknownBeforeEnoughSamplesAndBoundTrackedPaths() {
        NoiseDetector noise = new NoiseDetector(0.5, 20, 1);
        ComparedRequest req = new ComparedRequest("r", "GET", "/x");
        noise.recordCandidate(comparator.compare(req, json("{\"a\":1,\"b\":1}"), json("{\"a\":2,\"b\":2}"), rules));

        assertThat(noise.classify("r", "/x", "$.a")).isEqualTo(NoiseClass.UNKNOWN);
        assertThat(noise.report()).hasSize(1);
    }
}
