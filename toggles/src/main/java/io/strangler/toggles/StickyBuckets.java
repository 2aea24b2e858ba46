package io.strangler.toggles;

import java.nio.charset.StandardCharsets;

/**
 * Assigns a user to one of 10,000 buckets per route, the same on every instance and after every restart: a
 * 64-bit FNV-1a hash of {@code route + '\n' + user}, finished with a SplitMix64 mixer so that similar ids spread
 * evenly. A user is a pilot at {@code percentage} when their bucket is below {@code percentage × 100}; raising the
 * percentage only ever adds users.
 */
public final class StickyBuckets {

    public static final int BUCKETS = 10_000;

    private StickyBuckets() {
    }

    public static int bucket(String route, String user) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (route + '\n' + user).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return (int) Long.remainderUnsigned(h, BUCKETS);
    }

    /** True if {@code user} is in the first {@code percentage} (0..100) of the route's buckets. */
    public static boolean inPercentage(String route, String user, double percentage) {
        return bucket(route, user) < Math.round(percentage * (BUCKETS / 100.0));
    }
}
