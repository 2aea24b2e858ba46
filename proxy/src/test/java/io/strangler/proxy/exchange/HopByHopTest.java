package io.strangler.proxy.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

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
