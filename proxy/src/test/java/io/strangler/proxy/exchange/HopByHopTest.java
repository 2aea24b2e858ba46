package io.strangler.proxy.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HopByHopTest {

    @Test
    void shouldStripFixedHopByHopHeadersAndThoseNamedByConnection() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "keep-alive, X-Session-Hop")
                .add("Connection", "Another-Hop")
                .add("X-Session-Hop", "1").add("Another-Hop", "2")
                .add("Keep-Alive", "timeout=5").add("TE", "trailers").add("Trailer", "X")
                .add("Transfer-Encoding", "chunked").add("Upgrade", "h2c")
                .add("Proxy-Authorization", "Basic x").add("Proxy-Connection", "keep-alive")
                .add("Content-Type", "text/plain").add("Authorization", "Bearer end-to-end");

        HopByHop.strip(h);

        assertThat(h.names()).containsExactlyInAnyOrder("Content-Type", "Authorization");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Connection", "keep-alive", "TE", "trailer", "TRANSFER-ENCODING", "Upgrade",
        "Proxy-Authenticate", "proxy-authorization", "Proxy-Connection"})
    void shouldStripEachFixedHopByHopHeaderWhenItIsTheOnlyOne(String name) {
        HttpHeaders h = new DefaultHttpHeaders().add("Accept", "*/*").add(name, "x").add("Content-Type", "text/plain");

        HopByHop.strip(h);

        assertThat(h.names()).containsExactlyInAnyOrder("Accept", "Content-Type");
    }

    @Test
    void shouldLeaveEndToEndHeadersAloneIncludingNamesOfTheSameLength() {
        // Same lengths as hop-by-hop names (2, 7, 10, 16, 17, 18, 19), none of them hop-by-hop.
        HttpHeaders h = new DefaultHttpHeaders().add("DN", "1").add("Referer", "r").add("User-Agent", "u")
                .add("X-Forwarded-Host", "h").add("X-Forwarded-Proto", "http").add("X-Custom-Header-18", "v")
                .add("X-Custom-Header-019", "w");

        HopByHop.strip(h);

        assertThat(h.size()).isEqualTo(7);
    }

    @Test
    void shouldTurnAbsoluteFormTargetsIntoOriginForm() {
        assertThat(RequestTarget.originForm("/a?b=1")).isEqualTo("/a?b=1");
        assertThat(RequestTarget.originForm("http://host:80/a/b?c")).isEqualTo("/a/b?c");
        assertThat(RequestTarget.originForm("http://host")).isEqualTo("/");
        assertThat(RequestTarget.originForm("http://host?q=1")).isEqualTo("/?q=1");
        assertThat(RequestTarget.originForm("*")).isEqualTo("*");
    }

    @Test
    void shouldEscapeJsonStringsInErrorBodies() {
        StringBuilder sb = new StringBuilder();
        ErrorResponses.appendJsonString(sb, "a\"b\\c\n<script>");

        assertThat(sb).hasToString("\"a\\\"b\\\\c\\n\\u003cscript\\u003e\"");
    }
}
