package io.strangler.proxy.shadow;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;
import io.strangler.comparator.Body;
import io.strangler.comparator.Observation;
import io.strangler.proxy.exchange.HeaderMaps;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Copies one response (status, headers, body up to a limit) into plain Java values for comparison, while the
 * response itself streams on. Copying keeps buffer ownership simple: the pooled buffers go on to the client (or
 * are released) as before, and the capture holds only its own array.
 *
 * <p>Confined to the thread of the connection whose response it captures.
 */
public final class ResponseCapture {

    private static final byte[] NONE = new byte[0];

    private final int limit;
    private int status;
    private Map<String, List<String>> headers = Map.of();
    private byte[] bytes = NONE;
    private int length;
    private boolean overLimit;

    public ResponseCapture(int limit) {
        this.limit = limit;
    }

    /** Takes the status and a copy of the headers; call it before anything edits them. */
    public void head(HttpResponse response) {
        status = response.status().code();
        headers = HeaderMaps.lowerCased(response.headers());
    }

    /**
     * Copies the readable bytes of {@code content} without consuming them. Returns false once the body is over the
     * limit, after which nothing more is kept.
     */
    public boolean content(ByteBuf content) {
        if (overLimit) {
            return false;
        }
        int n = content.readableBytes();
        if (n == 0) {
            return true;
        }
        if (n > limit - length) {
            overLimit = true;
            bytes = NONE;
            length = 0;
            return false;
        }
        if (length + n > bytes.length) {
            int grown = (int) Math.min(limit, Math.max((long) length + n, Math.max(256L, bytes.length * 2L)));
            bytes = java.util.Arrays.copyOf(bytes, grown);
        }
        content.getBytes(content.readerIndex(), bytes, length, n);
        length += n;
        return true;
    }

    /** The status code, once {@link #head} was called; 0 before. */
    int status() {
        return status;
    }

    boolean overLimit() {
        return overLimit;
    }

    /** Bytes held, for the compare queue's memory budget. */
    int size() {
        return length;
    }

    /** The captured response. Call it once: the capture lets go of its bytes. */
    public Observation observation(Duration duration) {
        byte[] body = length == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, length);
        bytes = NONE;
        return Observation.of(status, headers, Body.ofOwned(body, false), duration);
    }
}
