package io.strangler.proxy.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.CharsetUtil;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes header fields as Netty's HTTP encoders write them ({@code name: value} and CRLF for each, in order), but
 * copies the fields that arrived as one piece in one copy.
 *
 * <p>Our decoders hand header names and values on as views of one copy of the head they read
 * ({@link HeadBytes.HeaderLine}). When a field's name and value are views of the same array, and the bytes between
 * and after them there are exactly {@code ": "} and CRLF, that array holds the field's line exactly as an encoder
 * would write it; fields whose lines follow each other there (most of a forwarded head: the exchange keeps the
 * client's order and adds its own fields at the end) are written with one copy. Netty's encoder instead reserves,
 * copies and writes the separators field by field. Every other field is written as Netty writes it, so the bytes on
 * the wire are the same either way (a differential test holds the two to that).
 *
 * <p>Stateless; called on the event loop of the channel whose encoder writes.
 */
public final class HeaderLines {

    private static final int COLON_SPACE = (':' << 8) | ' ';
    private static final int CRLF = ('\r' << 8) | '\n';

    private HeaderLines() {
    }

    /** Writes every field of {@code headers} to {@code buf}; the blank line that ends a head is the caller's. */
    public static void write(HttpHeaders headers, ByteBuf buf) {
        byte[] run = null;
        int runStart = 0;
        int runEnd = 0;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            CharSequence value = e.getValue();
            int lineEnd = lineEnd(name, value);
            byte[] array = lineEnd < 0 ? null : ((AsciiString) name).array();
            int lineStart = lineEnd < 0 ? 0 : ((AsciiString) name).arrayOffset();
            if (array != null && array == run && lineStart == runEnd) {
                runEnd = lineEnd;
                continue;
            }
            if (run != null) {
                buf.writeBytes(run, runStart, runEnd - runStart);
            }
            run = array;
            runStart = lineStart;
            runEnd = lineEnd;
            if (array == null) {
                writeField(name, value, buf);
            }
        }
        if (run != null) {
            buf.writeBytes(run, runStart, runEnd - runStart);
        }
    }

    /**
     * Where the line of this field ends (just after its CRLF) in the array its name and value are views of, when
     * that array holds the line exactly as it is written; otherwise -1.
     */
    private static int lineEnd(CharSequence name, CharSequence value) {
        if (!(name instanceof AsciiString n) || !(value instanceof AsciiString v)) {
            return -1;
        }
        byte[] a = n.array();
        if (a != v.array()) {
            return -1;
        }
        int colon = n.arrayOffset() + n.length();
        int valueStart = v.arrayOffset();
        int cr = valueStart + v.length();
        if (valueStart != colon + 2 || cr + 2 > a.length) {
            return -1;
        }
        if (((a[colon] << 8) | (a[colon + 1] & 0xFF)) != COLON_SPACE || ((a[cr] << 8) | (a[cr + 1] & 0xFF)) != CRLF) {
            return -1;
        }
        return cr + 2;
    }

    /** One field as Netty's encoders write it: an {@code AsciiString}'s bytes as they are, other text as ASCII. */
    private static void writeField(CharSequence name, CharSequence value, ByteBuf buf) {
        buf.ensureWritable(name.length() + value.length() + 4);
        writeText(name, buf);
        buf.writeShort(COLON_SPACE);
        writeText(value, buf);
        buf.writeShort(CRLF);
    }

    private static void writeText(CharSequence s, ByteBuf buf) {
        if (s instanceof AsciiString a) {
            ByteBufUtil.copy(a, buf);
        } else {
            buf.writeCharSequence(s, CharsetUtil.US_ASCII);
        }
    }
}
