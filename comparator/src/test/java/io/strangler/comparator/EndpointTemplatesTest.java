package io.strangler.comparator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointTemplatesTest {

    @Test
    void shouldTemplateNumericUuidAndHexSegments() {
        EndpointTemplates t = EndpointTemplates.defaults();

        assertThat(t.templateOf("/api/orders/123")).isEqualTo("/api/orders/{id}");
        assertThat(t.templateOf("/api/users/123e4567-e89b-12d3-a456-426614174000/cart"))
                .isEqualTo("/api/users/{id}/cart");
        assertThat(t.templateOf("/blobs/deadbeef42?x=1")).isEqualTo("/blobs/{id}");
        assertThat(t.templateOf("/api/items")).isEqualTo("/api/items");
        assertThat(t.templateOf("/api/facade")).isEqualTo("/api/facade");
        assertThat(t.templateOf("/")).isEqualTo("/");
    }

    @Test
    void shouldTakeExtraIdPatterns() {
        EndpointTemplates t = EndpointTemplates.withExtraIdPatterns(List.of("SKU-[A-Z0-9]+"));

        assertThat(t.templateOf("/products/SKU-AB12/reviews/7")).isEqualTo("/products/{id}/reviews/{id}");
    }

    @Test
    void shouldParseAndMatchJsonPathPatterns() {
        assertThat(JsonPath.parse("$..ts").matches(List.of("a", 0, "ts"))).isTrue();
        assertThat(JsonPath.parse("$.items[*].price").matches(List.of("items", 3, "price"))).isTrue();
        assertThat(JsonPath.parse("$.items[1]").matches(List.of("items", 3))).isFalse();
        assertThat(JsonPath.parse("$['a.b']").matches(List.of("a.b"))).isTrue();
        assertThat(JsonPath.parse("$.*.id").matches(List.of("x", "id"))).isTrue();
        assertThat(JsonPath.parse("$.meta").coversOrContains(List.of("meta", "x", 1))).isTrue();
        assertThatThrownBy(() -> JsonPath.parse("items")).hasMessageContaining("starting with '$'");
        assertThatThrownBy(() -> JsonPath.parse("$.a[x]")).hasMessageContaining("expected: [*], [n] or ['name']");
    }
}
