package io.strangler.proxy.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HeaderLinesTest {

    @Test
    void shouldCopyFieldsThatFollowEachOtherInTheHeadAsTheyStand() {
        byte[] head = "Accept: */*\r\nCookie: a=1\r\nUser-Agent: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        HttpHeaders h = unvalidated();
        readLines(head, h);
        h.add(HttpHeaderNames.VIA, "1.1 strangler");

        assertThat(ours(h)).isEqualTo("Accept: */*\r\nCookie: a=1\r\nUser-Agent: t\r\nvia: 1.1 strangler\r\n")
                .isEqualTo(netty(h));
    }

    @Test
    void shouldWriteTrimmedOrSpacedFieldsAsNettyDoesNotAsTheyArrived() {
        // No space after the colon, a tab, trailing spaces: the views are of the name and the trimmed value only.
        byte[] head = "Accept:*/*\r\nCookie:\ta=1  \r\nX-A:  b\r\nX-B: c\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        HttpHeaders h = unvalidated();
        readLines(head, h);

        assertThat(ours(h)).isEqualTo("Accept: */*\r\nCookie: a=1\r\nX-A: b\r\nX-B: c\r\n").isEqualTo(netty(h));
    }

    @Test
    void shouldKeepTheOrderOfTheMapWhenItDiffersFromTheHead() {
        byte[] head = "A: 1\r\nB: 2\r\nC: 3\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        List<AsciiString[]> fields = new ArrayList<>();
        HeadBytes.HeaderLine line = new HeadBytes.HeaderLine();
        for (int at = 0; head[at] != '\r'; ) {
            at = line.read(head, at);
            fields.add(new AsciiString[] {line.name(), line.value()});
        }
        HttpHeaders h = unvalidated();
        h.add(fields.get(2)[0], fields.get(2)[1]).add(fields.get(0)[0], fields.get(0)[1])
                .add(fields.get(1)[0], fields.get(1)[1]);

        assertThat(ours(h)).isEqualTo("C: 3\r\nA: 1\r\nB: 2\r\n").isEqualTo(netty(h));
    }

    @Test
    void shouldWriteNothingForNoFields() {
        assertThat(ours(unvalidated())).isEmpty();
    }

    /**
     * Random heads read into views (with random spacing, so some fields are one piece and some not), mixed with
     * fields the exchange adds (strings, some outside ASCII, and constants), some dropped and some moved: our writer
     * must produce exactly the bytes Netty's encoder does.
     */
    @Test
    void shouldWriteExactlyTheBytesNettysEncoderWrites() {
        Random random = new Random(20261206);
        String[] names = {"Host", "Accept", "Cookie", "User-Agent", "X-Forwarded-For", "A", "content-length"};
        String[] values = {"", "*/*", "a=1; b=2", "Mozilla/5.0 (X11)", "10.0.0.1, 10.0.0.2", "caf\u00e9", "x y"};
        String[] spaces = {"", " ", "  ", "\t"};
        for (int n = 0; n < 20_000; n++) {
            StringBuilder sb = new StringBuilder();
            int lines = random.nextInt(8);
            for (int i = 0; i < lines; i++) {
                sb.append(names[random.nextInt(names.length)]).append(':')
                        .append(spaces[random.nextInt(spaces.length)]).append(values[random.nextInt(values.length)]);
                if (random.nextInt(4) == 0) {
                    sb.append(spaces[random.nextInt(spaces.length)]);
                }
                sb.append("\r\n");
            }
            byte[] head = (sb + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            List<CharSequence[]> fields = new ArrayList<>();
            HeadBytes.HeaderLine line = new HeadBytes.HeaderLine();
            for (int at = 0; head[at] != '\r'; ) {
                at = line.read(head, at);
                assertThat(at).as("head %s", sb).isPositive();
                fields.add(new CharSequence[] {line.name(), line.value()});
            }
            if (random.nextInt(3) == 0 && !fields.isEmpty()) {
                fields.remove(random.nextInt(fields.size()));
            }
            if (random.nextInt(4) == 0) {
                Collections.shuffle(fields, random);
            }
            int added = random.nextInt(4);
            for (int i = 0; i < added; i++) {
                CharSequence[] field = switch (random.nextInt(4)) {
                    case 0 -> new CharSequence[] {HttpHeaderNames.VIA, "1.1 strangler"};
                    case 1 -> new CharSequence[] {"X-Forwarded-For", values[random.nextInt(values.length)]};
                    case 2 -> new CharSequence[] {"X-Name", "\u20ac and \u00ff"};
                    default -> new CharSequence[] {HttpHeaderNames.CONTENT_LENGTH, AsciiString.of("0")};
                };
                fields.add(random.nextInt(fields.size() + 1), field);
            }
            HttpHeaders h = unvalidated();
            fields.forEach(f -> h.add(f[0], f[1]));

            assertThat(ours(h)).as("head %s", sb).isEqualTo(netty(h));
        }
    }

    private static void readLines(byte[] head, HttpHeaders into) {
        HeadBytes.HeaderLine line = new HeadBytes.HeaderLine();
        for (int at = 0; head[at] != '\r'; ) {
            at = line.read(head, at);
            into.add(line.name(), line.value());
        }
    }

    private static String ours(HttpHeaders h) {
        ByteBuf buf = Unpooled.buffer(8);
        try {
            HeaderLines.write(h, buf);
            return buf.toString(StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
    }

    private static String netty(HttpHeaders h) {
        ByteBuf buf = Unpooled.buffer(8);
        try {
            new NettyFields().encode(h, buf);
            return buf.toString(StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
    }

    /** Netty's own field writer, reached through the encoder's protected method. */
    private static final class NettyFields extends HttpRequestEncoder {
        void encode(HttpHeaders h, ByteBuf buf) {
            super.encodeHeaders(h, buf);
        }
    }

    private static HttpHeaders unvalidated() {
        return DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
    }
}
