package io.strangler.proxy.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
    void shouldReadConnectionListsWithSpacesTabsEmptyItemsAndAnyCase() {
        HttpHeaders h = unvalidated()
                .add("Connection", " ,\tX-One ,, KEEP-ALIVE,x-two\t, ")
                .add("X-One", "1").add("x-TWO", "2").add("Keep-Alive", "timeout=5").add("X-Three", "3");

        HopByHop.strip(h);

        assertThat(h.names()).containsExactly("X-Three");
    }

    @Test
    void shouldRemoveAHeaderNamedCloseWhenConnectionSaysClose() {
        // "close" is a connection option, but a header of that name is hop-by-hop too once Connection names it.
        HttpHeaders h = new DefaultHttpHeaders().add("Connection", "close").add("Close", "x").add("Accept", "*/*");

        HopByHop.strip(h);

        assertThat(h.names()).containsExactly("Accept");
    }

    @Test
    void shouldStripHeadersThatAreViewsOfADecodedHead() {
        // Our decoders hand names and values on as AsciiString views of one copy of the head.
        byte[] head = "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nContent-Type: a/b\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        HttpHeaders h = unvalidated()
                .add(new AsciiString(head, 0, 10, false), new AsciiString(head, 12, 17, false))
                .add(new AsciiString(head, 31, 5, false), new AsciiString(head, 38, 1, false))
                .add(new AsciiString(head, 41, 12, false), new AsciiString(head, 55, 3, false));

        HopByHop.strip(h);

        assertThat(h.names()).containsExactly("Content-Type");
    }

    /**
     * The one-pass strip against the plain reading of RFC 9110 section 7.6.1 (remove every header Connection names,
     * then every fixed kind), on random header sets: the same headers must stay, in the same order.
     */
    @Test
    void shouldStripExactlyWhatTheStraightforwardAlgorithmStrips() {
        String[] names = {"Connection", "Keep-Alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
            "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "X-Hop", "X-Other", "Accept", "Close",
            "Content-Type", "Via", "Dn", "Referer", "User-Agent", "X-Forwarded-Host", "X-Forwarded-Proto"};
        Random random = new Random(20261206);
        for (int n = 0; n < 20_000; n++) {
            List<Map.Entry<String, String>> entries = new ArrayList<>();
            int count = random.nextInt(9);
            for (int i = 0; i < count; i++) {
                String name = randomCase(names[random.nextInt(names.length)], random);
                String value = AsciiString.contentEqualsIgnoreCase(name, "connection")
                        ? connectionList(names, random) : "v" + i;
                entries.add(Map.entry(name, value));
            }
            HttpHeaders ours = unvalidated();
            HttpHeaders reference = unvalidated();
            entries.forEach(e -> {
                ours.add(e.getKey(), e.getValue());
                reference.add(e.getKey(), e.getValue());
            });

            HopByHop.strip(ours);
            stripByTheBook(reference);

            assertThat(ours.entries()).as("headers %s", entries).map(Object::toString)
                    .containsExactlyElementsOf(reference.entries().stream().map(Object::toString).toList());
        }
    }

    /** As the proxy's decoders hand headers on: already validated, so the map does not check them again. */
    private static HttpHeaders unvalidated() {
        return DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
    }

    private static String connectionList(String[] names, Random random) {
        StringBuilder sb = new StringBuilder();
        int items = random.nextInt(4);
        String[] space = {"", " ", "\t", "  "};
        for (int i = 0; i < items; i++) {
            if (i > 0 || random.nextInt(5) == 0) {
                sb.append(',');
            }
            sb.append(space[random.nextInt(space.length)]);
            String token = random.nextInt(4) == 0 ? "close" : names[random.nextInt(names.length)];
            sb.append(randomCase(token, random)).append(space[random.nextInt(space.length)]);
        }
        return sb.toString();
    }

    private static String randomCase(String s, Random random) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            sb.append(random.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
        }
        return sb.toString();
    }

    private static void stripByTheBook(HttpHeaders headers) {
        for (String value : headers.getAll("connection")) {
            for (String token : value.split(",", -1)) {
                if (!token.trim().isEmpty()) {
                    headers.remove(token.trim());
                }
            }
        }
        for (String name : List.of("connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
                "proxy-authenticate", "proxy-authorization", "proxy-connection")) {
            headers.remove(name);
        }
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
