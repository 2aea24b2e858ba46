package io.strangler.comparator;

import java.util.Arrays;

/**
 * Response body bytes as captured, possibly cut at a size limit. Immutable: the bytes are copied in and never
 * handed out, so equality is by content.
 */
public final class Body {

    public static final Body EMPTY = new Body(new byte[0], false);

    private final byte[] bytes;
    private final boolean truncated;

    private Body(byte[] bytes, boolean truncated) {
        this.bytes = bytes;
        this.truncated = truncated;
    }

    /** @param truncated true if the response was longer than what was captured */
    public static Body of(byte[] bytes, boolean truncated) {
        return new Body(bytes.clone(), truncated);
    }

    /**
     * A body over an array the caller hands over: the caller must not read or write it afterwards. Saves a copy
     * when the bytes were just captured into a fresh array.
     */
    public static Body ofOwned(byte[] bytes, boolean truncated) {
        return new Body(java.util.Objects.requireNonNull(bytes, "bytes"), truncated);
    }

    public static Body of(String text) {
        return new Body(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
    }

    public int length() {
        return bytes.length;
    }

    public boolean isTruncated() {
        return truncated;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    /** A copy of the bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** The bytes without copying; only for this module's parsers, which never write to them. */
    byte[] unsafeBytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Body b && truncated == b.truncated && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes) * 31 + (truncated ? 1 : 0);
    }

    @Override
    public String toString() {
        return "Body[" + bytes.length + " bytes" + (truncated ? ", truncated" : "") + "]";
    }
}
