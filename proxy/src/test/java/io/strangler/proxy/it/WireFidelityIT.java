package io.strangler.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.Fixtures;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.RawHttp;
import io.strangler.proxy.testing.TestUpstream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The bytes a client sends are the bytes the upstream gets: a request target or header value with bytes outside
 * ASCII (a raw UTF-8 path from a client that does not percent-encode, a Latin-1 header value) is passed on as is,
 * not re-encoded.
 */
class WireFidelityIT {

    private static final byte[] TARGET = bytes("/caf", 0xC3, 0xA9, "/", 0xE9, "?q=", 0xE2, 0x82, 0xAC);
    private static final byte[] VALUE = bytes("M", 0xFC, "ller ", 0xC3, 0xBC);

    @Test
    void shouldPassNonAsciiBytesInTheTargetAndHeaderValuesOnUnchanged() throws Exception {
        AtomicReference<String> head = new AtomicReference<>();
        try (TestUpstream upstream = TestUpstream.raw((ch, h) -> {
                head.set(h);
                TestUpstream.writeRaw(ch, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
            });
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "");
             RawHttp c = RawHttp.connect(proxy.port())) {

            RawHttp.Response res = c.send(concat(bytes("GET "), TARGET, bytes(" HTTP/1.1\r\nHost: x\r\nX-Name: "),
                    VALUE, bytes("\r\n\r\n"))).read();

            assertThat(res.status()).isEqualTo(200);
            String seen = head.get();
            assertThat(seen).startsWith("GET " + latin1(TARGET) + " HTTP/1.1\r\n");
            assertThat(seen).containsIgnoringCase("\r\nx-name: " + latin1(VALUE) + "\r\n");
        }
    }

    @Test
    void shouldSendTheShadowCopyTheSameBytes() throws Exception {
        AtomicReference<String> legacyHead = new AtomicReference<>();
        AtomicReference<String> candidateHead = new AtomicReference<>();
        try (TestUpstream legacy = TestUpstream.raw((ch, h) -> {
                legacyHead.set(h);
                TestUpstream.writeRaw(ch, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
            });
             TestUpstream candidate = TestUpstream.raw((ch, h) -> {
                candidateHead.set(h);
                TestUpstream.writeRaw(ch, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
            });
             ProxyUnderTest proxy = ProxyUnderTest.start(Fixtures.shadowConfig("wire", "shadow", legacy, candidate,
                     ""));
             RawHttp c = RawHttp.connect(proxy.port())) {

            byte[] target = concat(bytes("/api/wire"), TARGET);
            RawHttp.Response res = c.send(concat(bytes("GET "), target, bytes(" HTTP/1.1\r\nHost: x\r\n\r\n")))
                    .read();

            assertThat(res.status()).isEqualTo(200);
            Fixtures.awaitTrue(() -> candidateHead.get() != null);
            String line = "GET " + latin1(target) + " HTTP/1.1\r\n";
            assertThat(legacyHead.get()).startsWith(line);
            assertThat(candidateHead.get()).startsWith(line);
        }
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Strings as ASCII, integers as single bytes. */
    private static byte[] bytes(Object... parts) {
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof Integer i) {
                sb.append((char) i.intValue());
            } else {
                sb.append(p);
            }
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
