package io.strangler.proxy.store;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/** Latency histograms (microseconds) as stored: HdrHistogram's compressed encoding. */
public final class LatencyCodec {

    private LatencyCodec() {
    }

    public static byte[] encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf);
        byte[] out = new byte[n];
        buf.flip();
        buf.get(out);
        return out;
    }

    public static Histogram decode(byte[] bytes) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
        } catch (DataFormatException e) {
            throw new IllegalStateException("a stored latency histogram does not decode", e);
        }
    }
}
