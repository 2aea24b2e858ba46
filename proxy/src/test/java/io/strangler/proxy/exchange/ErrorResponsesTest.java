package io.strangler.proxy.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ErrorResponsesTest {

    private static JsonNode body(FullHttpResponse response) throws Exception {
        try {
            return new ObjectMapper().readTree(response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    @Test
    void shouldAppendTheDetailToTheMessageEscapedAndCut() throws Exception {
        String hostile = "bad \"header\" <script>\u0001\r\n" + "x".repeat(500);
        JsonNode json = body(ErrorResponses.of(ByteBufAllocator.DEFAULT, ProxyError.MALFORMED_REQUEST, null, "id-1",
                false, hostile));

        String message = json.get("message").asText();
        assertThat(message).startsWith("the request is not valid HTTP/1.1: bad \"header\" <script>\u0001");
        assertThat(message).endsWith("...");
        assertThat(message.length()).isEqualTo(ProxyError.MALFORMED_REQUEST.message().length() + 2
                + ErrorResponses.MAX_DETAIL_CHARS + 3);
        assertThat(json.get("error").asText()).isEqualTo("malformed_request");
        assertThat(json.get("requestId").asText()).isEqualTo("id-1");
    }

    @Test
    void shouldKeepTheBareMessageWithoutDetail() throws Exception {
        assertThat(body(ErrorResponses.of(ByteBufAllocator.DEFAULT, ProxyError.NO_ROUTE, null, null, true))
                .get("message").asText()).isEqualTo(ProxyError.NO_ROUTE.message());
        assertThat(body(ErrorResponses.of(ByteBufAllocator.DEFAULT, ProxyError.NO_ROUTE, "r", null, true, " "))
                .get("message").asText()).isEqualTo(ProxyError.NO_ROUTE.message());
    }
}
