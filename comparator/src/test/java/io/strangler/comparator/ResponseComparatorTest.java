package io.strangler.comparator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class ResponseComparatorTest {

    private static final ComparedRequest REQ = new ComparedRequest("items", "GET", "/api/items/42");
    private final ResponseComparator comparator = new ResponseComparator();

    static Observation json(String body) {
        return json(200, body);
    }

    static Observation json(int status, String body) {
        return Observation.of(status, Map.of("Content-Type", List.of("application/json")), Body.of(body),
                Duration.ofMillis(5));
    }

    static Observation typed(String contentType, byte[] body) {
        return Observation.of(200, Map.of("Content-Type", List.of(contentType)), Body.of(body, false),
                Duration.ofMillis(5));
    }

    private Comparison compare(Observation l, Observation c) {
        return comparator.compare(REQ, l, c, CompareRules.defaults());
    }

    private Comparison compare(Observation l, Observation c, CompareRules rules) {
        return comparator.compare(REQ, l, c, rules);
    }

    @Test
    void shouldMatchIdenticalResponsesAndTemplateTheEndpoint() {
        Comparison c = compare(json("{\"a\":1}"), json("{\"a\":1}"));

        assertThat(c.verdict()).isEqualTo(Verdict.MATCHED);
        assertThat(c.differences()).isEmpty();
        assertThat(c.endpoint()).isEqualTo("/api/items/{id}");
    }

    @Test
    void shouldReportEveryJsonDifferenceKindWithItsPath() {
        Comparison c = compare(
                json("{\"price\":9.99,\"name\":\"a\",\"gone\":1,\"n\":1,\"tags\":[1,2,3],\"order\":[1,2],\"x\":null}"),
                json("{\"price\":10.0,\"name\":\"a\",\"n\":\"1\",\"tags\":[1,2],\"order\":[2,1],\"x\":null,\"new\":true}"));

        assertThat(c.verdict()).isEqualTo(Verdict.DIVERGED);
        assertThat(c.differences()).extracting(Difference::kind, Difference::path, Difference::legacy,
                        Difference::candidate)
                .containsExactlyInAnyOrder(
                        tuple(DifferenceKind.VALUE, "$.price", "9.99", "10.0"),
                        tuple(DifferenceKind.MISSING_FIELD, "$.gone", "1", null),
                        tuple(DifferenceKind.TYPE, "$.n", "number 1", "string \"1\""),
                        tuple(DifferenceKind.ARRAY_LENGTH, "$.tags", "3", "2"),
                        tuple(DifferenceKind.ORDER, "$.order", null, null),
                        tuple(DifferenceKind.EXTRA_FIELD, "$.new", null, "true"));
    }

    @Test
    void shouldReportNestedPathsWithIndexesAndOddNames() {
        Comparison c = compare(json("{\"items\":[{\"id\":1,\"p\":1},{\"id\":2,\"p\":2}],\"a.b\":1}"),
                json("{\"items\":[{\"id\":1,\"p\":1},{\"id\":2,\"p\":3}],\"a.b\":2}"));

        assertThat(c.differences()).extracting(Difference::path).containsExactly("$.items[1].p", "$['a.b']");
    }

    @Test
    void shouldReportStatusAndHeaderDifferencesButNotNoisyHeaders() {
        Observation l = Observation.of(200, Map.of("Content-Type", List.of("text/plain"), "Date", List.of("Mon"),
                "X-Version", List.of("1"), "Cache-Control", List.of("no-cache")), Body.of("ok"), Duration.ZERO);
        Observation c = Observation.of(201, Map.of("Content-Type", List.of("text/plain"), "Date", List.of("Tue"),
                "X-Version", List.of("2")), Body.of("ok"), Duration.ZERO);

        Comparison cmp = compare(l, c);

        assertThat(cmp.differences()).extracting(Difference::kind, Difference::path, Difference::legacy,
                        Difference::candidate)
                .containsExactlyInAnyOrder(
                        tuple(DifferenceKind.STATUS, "status", "200", "201"),
                        tuple(DifferenceKind.HEADER, "header:Cache-Control", "no-cache", null),
                        tuple(DifferenceKind.HEADER, "header:X-Version", "1", "2"));
    }

    @Test
    void shouldNeverReportContentLengthOnlyTheBody() {
        Observation l = Observation.of(200, Map.of("Content-Length", List.of("2")), Body.of("ok"), Duration.ZERO);
        Observation same = Observation.of(200, Map.of("Content-Length", List.of("3")), Body.of("ok"), Duration.ZERO);
        Observation other = Observation.of(200, Map.of("Content-Length", List.of("3")), Body.of("ok!"),
                Duration.ZERO);

        assertThat(compare(l, same).verdict()).isEqualTo(Verdict.MATCHED);
        assertThat(compare(l, other).differences()).extracting(Difference::path).containsExactly("body");
    }

    @Test
    void shouldGiveFailureVerdicts() {
        Observation failed = Observation.failed("timeout", Duration.ofSeconds(1));

        assertThat(compare(json("{}"), failed).verdict()).isEqualTo(Verdict.CANDIDATE_FAILED);
        assertThat(compare(failed, json("{}")).verdict()).isEqualTo(Verdict.LEGACY_FAILED);
        assertThat(compare(failed, failed).verdict()).isEqualTo(Verdict.BOTH_FAILED);
    }

    @Test
    void shouldApplyIgnorePathsWithWildcardsAndCountHits() {
        CompareRules rules = CompareRules.builder().ignorePaths("$..generatedAt", "$.items[*].stock", "$.meta")
                .build();

        Comparison c = compare(
                json("{\"generatedAt\":\"t1\",\"items\":[{\"stock\":1,\"generatedAt\":\"a\"}],\"meta\":{\"x\":1}}"),
                json("{\"generatedAt\":\"t2\",\"items\":[{\"stock\":2,\"generatedAt\":\"b\"}],\"meta\":{\"x\":2}}"),
                rules);

        assertThat(c.verdict()).isEqualTo(Verdict.IGNORED);
        assertThat(c.ignored()).hasSize(4);
        assertThat(c.ruleHits()).containsEntry("ignorePaths:$..generatedAt", 2)
                .containsEntry("ignorePaths:$.items[*].stock", 1).containsEntry("ignorePaths:$.meta", 1);
    }

    @Test
    void shouldIgnoreConfiguredHeadersVisibly() {
        Observation l = Observation.of(200, Map.of("X-Trace", List.of("a")), Body.EMPTY, Duration.ZERO);
        Observation c = Observation.of(200, Map.of("X-Trace", List.of("b")), Body.EMPTY, Duration.ZERO);

        Comparison cmp = compare(l, c, CompareRules.builder().ignoreHeaders("X-Trace").build());

        assertThat(cmp.verdict()).isEqualTo(Verdict.IGNORED);
        assertThat(cmp.ruleHits()).containsEntry("ignoreHeaders:x-trace", 1);
    }

    @Test
    void shouldCompareUnorderedArraysAsMultisetsOrByKey() {
        CompareRules rules = CompareRules.builder().unorderedArrays("$.tags", "$.items by id").build();

        Comparison same = compare(json("{\"tags\":[\"a\",\"b\",\"b\"],\"items\":[{\"id\":1,\"p\":1},{\"id\":2,\"p\":2}]}"),
                json("{\"tags\":[\"b\",\"a\",\"b\"],\"items\":[{\"id\":2,\"p\":2},{\"id\":1,\"p\":1}]}"), rules);
        Comparison changed = compare(json("{\"tags\":[\"a\",\"b\"],\"items\":[{\"id\":1,\"p\":1},{\"id\":2,\"p\":2}]}"),
                json("{\"tags\":[\"b\",\"c\"],\"items\":[{\"id\":2,\"p\":5},{\"id\":3,\"p\":1}]}"), rules);

        assertThat(same.verdict()).isEqualTo(Verdict.MATCHED);
        assertThat(same.ruleHits()).containsEntry("unorderedArrays:$.tags", 1)
                .containsEntry("unorderedArrays:$.items by id", 1);
        assertThat(changed.differences()).extracting(Difference::kind, Difference::path)
                .containsExactlyInAnyOrder(
                        tuple(DifferenceKind.VALUE, "$.tags[*]"),
                        tuple(DifferenceKind.MISSING_FIELD, "$.items[id=1]"),
                        tuple(DifferenceKind.VALUE, "$.items[id=2].p"),
                        tuple(DifferenceKind.EXTRA_FIELD, "$.items[id=3]"));
    }

    @Test
    void shouldLetAnElementWildcardIgnoreAMultisetDifference() {
        CompareRules rules = CompareRules.builder().unorderedArrays("$.tags").ignorePaths("$.tags[*]").build();
        CompareRules fieldWildcard = CompareRules.builder().unorderedArrays("$.tags").ignorePaths("$.tags.*").build();

        Comparison ignored = compare(json("{\"tags\":[\"a\"]}"), json("{\"tags\":[\"b\"]}"), rules);
        Comparison notIgnored = compare(json("{\"tags\":[\"a\"]}"), json("{\"tags\":[\"b\"]}"), fieldWildcard);

        assertThat(ignored.verdict()).isEqualTo(Verdict.IGNORED);
        assertThat(ignored.ignored()).extracting(Difference::path).containsExactly("$.tags[*]");
        assertThat(notIgnored.verdict()).isEqualTo(Verdict.DIVERGED);
    }

    @Test
    void shouldHonourRelativeNumericTolerance() {
        CompareRules rules = CompareRules.builder().numericTolerance(0.001).build();

        assertThat(compare(json("{\"p\":100.0}"), json("{\"p\":100.05}"), rules).verdict()).isEqualTo(Verdict.MATCHED);
        assertThat(compare(json("{\"p\":100.0}"), json("{\"p\":100.2}"), rules).verdict()).isEqualTo(Verdict.DIVERGED);
        assertThat(compare(json("{\"p\":1}"), json("{\"p\":1.00}")).verdict()).isEqualTo(Verdict.MATCHED);
    }

    @Test
    void shouldNormalizeTextAndJsonStringsBeforeComparing() {
        CompareRules rules = CompareRules.builder()
                .normalize("uuid", "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>")
                .build();

        Comparison text = compare(typed("text/plain", "id 123e4567-e89b-12d3-a456-426614174000\n".getBytes()),
                typed("text/plain", "id 00000000-0000-0000-0000-000000000000\n".getBytes()), rules);
        Comparison js = compare(json("{\"ref\":\"123e4567-e89b-12d3-a456-426614174000\"}"),
                json("{\"ref\":\"00000000-0000-0000-0000-000000000000\"}"), rules);

        assertThat(text.verdict()).isEqualTo(Verdict.IGNORED);
        assertThat(js.verdict()).isEqualTo(Verdict.IGNORED);
        assertThat(js.ruleHits()).containsKey("normalize:uuid");
    }

    @Test
    void shouldDiffTextLineWiseAndCompactly() {
        Comparison c = compare(typed("text/html", "<h1>Shop</h1>\n<p>9.99</p>\n<footer/>\n".getBytes()),
                typed("text/html", "<h1>Shop</h1>\n<p>10.00</p>\n<footer/>\n".getBytes()));

        assertThat(c.differences()).extracting(Difference::kind, Difference::path, Difference::legacy,
                        Difference::candidate)
                .containsExactly(tuple(DifferenceKind.TEXT, "body:line 2", "<p>9.99</p>", "<p>10.00</p>"));
    }

    @Test
    void shouldCompareBinaryBodiesByLengthAndHash() {
        Comparison c = compare(typed("image/png", new byte[] {1, 2, 3}), typed("image/png", new byte[] {1, 2, 4}));

        assertThat(c.differences()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(DifferenceKind.BINARY);
            assertThat(d.legacy()).startsWith("3 bytes, sha256 ");
        });
    }

    @Test
    void shouldDecodeGzipBeforeComparing() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(buf)) {
            gz.write("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        }
        Observation zipped = Observation.of(200, Map.of("Content-Type", List.of("application/json"),
                "Content-Encoding", List.of("gzip")), Body.of(buf.toByteArray(), false), Duration.ZERO);

        Comparison c = compare(json("{\"a\":1}"), zipped);

        assertThat(c.differences()).extracting(Difference::path).containsExactly("header:Content-Encoding");
    }

    @Test
    void shouldBeMatchedAgainstItselfAndSymmetricWhenSidesSwap() {
        List<String> docs = List.of("{}", "[]", "{\"a\":[1,{\"b\":null}],\"c\":\"x\"}", "[1,2,[3,[4]]]",
                "{\"n\":1e400}", "\"just a string\"", "{\"deep\":{\"er\":{\"est\":[true,false]}}}");
        for (String a : docs) {
            assertThat(compare(json(a), json(a)).verdict()).as(a).isEqualTo(Verdict.MATCHED);
            for (String b : docs) {
                List<Difference> ab = compare(json(a), json(b)).differences();
                List<Difference> ba = compare(json(b), json(a)).differences();
                assertThat(ba).as(a + " vs " + b)
                        .containsExactlyInAnyOrderElementsOf(ab.stream().map(Difference::swapped).toList());
            }
        }
    }
}
