package io.strangler.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Responses as legacy systems send them, plain and odd, through the real proxy with each upstream response decoder
 * ({@code responseDecoder: strangler}, the default, and {@code netty}): the client must get the same bytes from
 * both, on the same keep-alive upstream connection, whether the fast path or Netty's decoder read each response.
 */
class UpstreamResponsesIT {

    /** What the upstream answers to {@code GET /r/<index>} (or {@code HEAD}), and whether it closes afterwards. */
    private record Scripted(String response, boolean close) {
    }

    private static final List<Scripted> SCRIPT = List.of(
            new Scripted("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
                    + "X-Latin: caf\u00e9\r\n\r\n{\"ok\":true}", false),
            new Scripted("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
                    + "5\r\nhello\r\n6;note=x\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n", false),
            new Scripted("HTTP/1.1 200 OK\r\nX-Folded: first\r\n  second\r\nContent-Length: 2\r\n\r\nok", false),
            new Scripted("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nnew", false),
            new Scripted("HTTP/1.1 299 Whatever It Says\r\nContent-Length: 4\r\n\r\nodd!", false),
            new Scripted("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", false),
            new Scripted("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nETag: \"v1\"\r\n\r\n", false), // to HEAD
            new Scripted("HTTP/1.1 404  Not  Found \r\nContent-Length: 9\r\n\r\nnot found", false),
            new Scripted("HTTP/1.1 200 OK\nContent-Length: 0\n\n", true), // bare LF: Netty refuses it, so do we
            new Scripted("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close", true),
            new Scripted("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", true));

    @Test
    void shouldGiveTheClientTheSameBytesWithEitherResponseDecoder() throws Exception {
        try (TestUpstream upstream = TestUpstream.raw((ch, head) -> {
                    String target = head.split(" ")[1];
                    Scripted s = SCRIPT.get(Integer.parseInt(target.substring("/r/".length())));
                    TestUpstream.writeRaw(ch, s.response(), s.close());
                });
             ProxyUnderTest ours = ProxyUnderTest.singleRoute(upstream.url(), "responseDecoder: strangler",
                     "ioThreads: 1");
             ProxyUnderTest netty = ProxyUnderTest.singleRoute(upstream.url(), "responseDecoder: netty",
                     "ioThreads: 1")) {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < SCRIPT.size(); i++) {
                    String method = i == 6 ? "HEAD" : "GET";
                    String fromOurs = exchange(ours.port(), method, i);
                    String fromNetty = exchange(netty.port(), method, i);
                    assertThat(fromOurs).as("response %d, round %d", i, round).isEqualTo(fromNetty);
                }
            }
            // What the client gets, beyond being the same: a few spot checks that the script did what it says.
            assertThat(exchange(ours.port(), "GET", 0)).startsWith("HTTP/1.1 200 OK\r\n")
                    .contains("X-Latin: caf\u00e9\r\n").endsWith("{\"ok\":true}");
            assertThat(exchange(ours.port(), "GET", 1)).contains("X-Sum: 11").contains("hello").contains(" world");
            assertThat(exchange(ours.port(), "GET", 2)).contains("X-Folded: first second\r\n");
            assertThat(exchange(ours.port(), "GET", 3)).startsWith("HTTP/1.1 201 Created\r\n").endsWith("new");
            assertThat(exchange(ours.port(), "GET", 4)).startsWith("HTTP/1.1 299 Whatever It Says\r\n");
            assertThat(exchange(ours.port(), "HEAD", 6)).contains("Content-Length: 1234\r\n").endsWith("\r\n\r\n");
            assertThat(exchange(ours.port(), "GET", 8)).startsWith("HTTP/1.1 502 ").contains("upstream_malformed");
            assertThat(exchange(ours.port(), "GET", 9)).contains("until the close");
            assertThat(exchange(ours.port(), "GET", 10)).startsWith("HTTP/1.1 502 ");
        }
    }

    /** One request on its own client connection; everything the proxy sends back until it closes, request id cut. */
    private static String exchange(int port, String method, int index) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(15_000);
            s.getOutputStream().write((method + " /r/" + index + " HTTP/1.1\r\nHost: x\r\nX-Request-Id: fixed\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return all.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
