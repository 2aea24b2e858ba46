package io.strangler.comparator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonTreeTest {

    private final JsonFactory factory = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(50).build()).build();

    private JsonTree.Node parse(String json) throws IOException {
        return JsonTree.parse(factory.createParser(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldRenderCompactJsonWithNumbersAsSent() throws IOException {
        JsonTree.Node n = parse(" { \"a\" : [1, 2.50, -3e2, true, null], \"b\": {\"q\\\"uote\": \"line\\nbreak\"} } ");

        assertThat(n).hasToString("{\"a\":[1,2.50,-3e2,true,null],\"b\":{\"q\\\"uote\":\"line\\nbreak\"}}");
    }

    @Test
    void shouldCompareObjectsRegardlessOfFieldOrderAndArraysByPosition() throws IOException {
        assertThat(parse("{\"a\":1,\"b\":[1,2]}")).isEqualTo(parse("{\"b\":[1,2],\"a\":1}"))
                .hasSameHashCodeAs(parse("{\"b\":[1,2],\"a\":1}"));
        assertThat(parse("{\"a\":1,\"b\":[1,2]}")).isNotEqualTo(parse("{\"a\":1,\"b\":[2,1]}"));
        assertThat(parse("{\"a\":1}")).isNotEqualTo(parse("{\"a\":1,\"b\":null}"));
    }

    @Test
    void shouldFindFieldsInSmallAndLargeObjects() throws IOException {
        StringBuilder big = new StringBuilder("{");
        for (int i = 0; i < 40; i++) {
            big.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":").append(i);
        }
        JsonTree.Obj obj = (JsonTree.Obj) parse(big.append('}').toString());

        assertThat(obj.size()).isEqualTo(40);
        assertThat(obj.get("f33")).hasToString("33");
        assertThat(obj.get("f40")).isNull();
    }

    @Test
    void shouldRejectDuplicateKeysTrailingContentAndTooDeepNesting() {
        StringBuilder manyThenDuplicate = new StringBuilder("{");
        for (int i = 0; i < 20; i++) {
            manyThenDuplicate.append("\"f").append(i).append("\":").append(i).append(',');
        }
        manyThenDuplicate.append("\"f3\":0}");

        assertThatThrownBy(() -> parse("{\"a\":1,\"a\":2}")).hasMessageContaining("Duplicate field 'a'");
        assertThatThrownBy(() -> parse(manyThenDuplicate.toString())).hasMessageContaining("Duplicate field 'f3'");
        assertThatThrownBy(() -> parse("{\"a\":1} {\"b\":2}")).hasMessageContaining("Trailing content");
        assertThatThrownBy(() -> parse("[".repeat(60) + "]".repeat(60))).isInstanceOf(IOException.class);
    }

    @Test
    void shouldReturnNullForAnEmptyDocument() throws IOException {
        assertThat(parse("   \n")).isNull();
    }
}
