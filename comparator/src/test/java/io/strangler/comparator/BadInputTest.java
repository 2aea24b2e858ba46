package io.strangler.comparator;

import static io.strangler.comparator.ResponseComparatorTest.json;
import static io.strangler.comparator.ResponseComparatorTest.typed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hostile or broken bodies never crash the comparator and always say what happened. */
class BadInputTest {

    private static final ComparedRequest REQ = new ComparedRequest("r", "GET", "/x");
    private final ResponseComparator comparator = new ResponseComparator();

    private Comparison compare(Observation l, Observation c) {
        return comparator.compare(REQ, l, c, CompareRules.defaults());
    }

    @Test
    void shouldHandleEmptyBodies() {
        assertThat(compare(json(""), json("")).verdict()).isEqualTo(Verdict.MATCHED);
        Comparison c = compare(json(""), json("{\"a\":1}"));

        assertThat(c.differences()).extracting(Difference::kind).containsExactly(DifferenceKind.TEXT);
        assertThat(c.notes()).contains("legacy body is empty");
    }

    @Test
    void shouldSayWhenABodyWasCapturedOnlyInPart() {
        Observation cut = Observation.of(200, Map.of("Content-Type", List.of("application/json")),
                Body.of("{\"a\":[1,2".getBytes(StandardCharsets.UTF_8), true), Duration.ZERO);

        Comparison c = compare(json("{\"a\":[1,2,3]}"), cut);

        assertThat(c.verdict()).isEqualTo(Verdict.DIVERGED);
        assertThat(c.notes()).anyMatch(n -> n.contains("captured only in part"))
                .anyMatch(n -> n.contains("not valid JSON"));
    }

    @Test
    void shouldCompareInvalidJsonAsText() {
        Comparison c = compare(json("{\"a\":1}"), json("{\"a\":1,,}"));

        assertThat(c.differences()).singleElement().extracting(Difference::kind).isEqualTo(DifferenceKind.TEXT);
        assertThat(c.notes()).anyMatch(n -> n.startsWith("candidate body is not valid JSON"));
    }

    @Test
    void shouldNotOverflowTheStackOnJsonNested10000Deep() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        String deeper = "[".repeat(10_000) + "1" + "]".repeat(10_000);

        Comparison same = compare(json(deep), json(deep));
        Comparison other = compare(json(deep), json(deeper));

        assertThat(same.verdict()).isEqualTo(Verdict.MATCHED);
        assertThat(other.differences()).singleElement().extracting(Difference::kind).isEqualTo(DifferenceKind.TEXT);
        assertThat(other.notes()).anyMatch(n -> n.contains("not valid JSON") && n.contains("depth"));
    }

    @Test
    void shouldCompare50MiBBodiesOnlyUpToTheLimitAndSaySo() {
        byte[] big = new byte[50 << 20];
        Arrays.fill(big, (byte) 'a');
        byte[] other = big.clone();
        other[other.length - 1] = 'b';
        CompareRules rules = CompareRules.builder().maxBodyBytes(1 << 20).build();

        Comparison c = comparator.compare(REQ, typed("application/json", big), typed("application/json", other),
                rules);

        // The difference is past the limit, so it is not seen; the note says the comparison was partial.
        assertThat(c.verdict()).isEqualTo(Verdict.MATCHED);
        assertThat(c.notes()).anyMatch(n -> n.contains("larger than maxBodyBytes"));
        byte[] shorter = Arrays.copyOf(big, big.length - 1);
        assertThat(comparator.compare(REQ, typed("application/json", big), typed("application/json", shorter),
                rules).differences()).singleElement().extracting(Difference::kind).isEqualTo(DifferenceKind.BINARY);
    }

    @Test
    void shouldCompareMismatchedContentTypes() {
        Comparison c = compare(json("{\"a\":1}"), typed("text/html", "<html>oops</html>".getBytes()));

        assertThat(c.differences()).extracting(Difference::kind)
                .containsExactlyInAnyOrder(DifferenceKind.HEADER, DifferenceKind.TEXT);
    }

    @Test
    void shouldDecodeNonUtf8TextByItsCharset() {
        byte[] latin1 = "café".getBytes(StandardCharsets.ISO_8859_1);
        byte[] utf8 = "café".getBytes(StandardCharsets.UTF_8);

        Comparison c = compare(typed("text/plain; charset=ISO-8859-1", latin1), typed("text/plain; charset=UTF-8", utf8));
        Comparison broken = compare(typed("text/plain", new byte[] {(byte) 0xff, (byte) 0xfe}),
                typed("text/plain", "ok".getBytes()));

        assertThat(c.differences()).extracting(Difference::kind).containsExactly(DifferenceKind.HEADER);
        assertThat(broken.differences()).extracting(Difference::kind).containsExactly(DifferenceKind.TEXT);
    }

    @Test
    void shouldReportDuplicateJsonKeysInsteadOfPickingOne() {
        Comparison c = compare(json("{\"a\":1}"), json("{\"a\":1,\"a\":2}"));

        assertThat(c.verdict()).isEqualTo(Verdict.DIVERGED);
        assertThat(c.notes()).anyMatch(n -> n.contains("Duplicate field 'a'"));
    }

    @Test
    void shouldCompareHugeNumbersExactlyAndNanLikeStringsAsStrings() {
        assertThat(compare(json("{\"n\":123456789012345678901234567890}"),
                json("{\"n\":123456789012345678901234567891}")).differences())
                .extracting(Difference::path).containsExactly("$.n");
        assertThat(compare(json("{\"n\":1e999999}"), json("{\"n\":1e999999}")).verdict()).isEqualTo(Verdict.MATCHED);
        assertThat(compare(json("{\"n\":\"NaN\"}"), json("{\"n\":\"Infinity\"}")).differences())
                .extracting(Difference::kind).containsExactly(DifferenceKind.VALUE);
        assertThat(compare(json("{\"n\":NaN}"), json("{\"n\":1}")).notes())
                .anyMatch(n -> n.contains("not valid JSON"));
    }

    @Test
    void shouldSurviveABodyThatClaimsGzipButIsNot() {
        Observation fake = Observation.of(200, Map.of("Content-Encoding", List.of("gzip")), Body.of("plain"),
                Duration.ZERO);

        Comparison c = compare(fake, fake);

        assertThat(c.verdict()).isEqualTo(Verdict.MATCHED);
        assertThat(c.notes()).anyMatch(n -> n.contains("does not decode"));
    }

    @Test
    void shouldRejectAnUnorderedArrayRuleWithoutItsKeyField() {
        assertThatThrownBy(() -> CompareRules.UnorderedArray.parse("$.items by "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$.path by field");
        assertThatThrownBy(() -> CompareRules.UnorderedArray.parse("$.items by"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(CompareRules.UnorderedArray.parse(" $.items by id ").key()).contains("id");
    }
}
