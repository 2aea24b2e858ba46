package io.strangler.proxy.testing;

import java.util.Random;

/** Random edits of a message's bytes, for differential tests of our decoders against Netty's. */
public final class Mutations {

    private Mutations() {
    }

    /**
     * {@code input} with one byte replaced, inserted or removed at a random place; the byte is one of
     * {@code interesting} half of the time, any byte otherwise.
     */
    public static byte[] mutate(byte[] input, Random random, byte[] interesting) {
        int at = random.nextInt(input.length);
        byte b = random.nextBoolean() ? interesting[random.nextInt(interesting.length)] : (byte) random.nextInt(256);
        return switch (random.nextInt(3)) {
            case 0 -> {
                byte[] out = input.clone();
                out[at] = b;
                yield out;
            }
            case 1 -> {
                byte[] out = new byte[input.length + 1];
                System.arraycopy(input, 0, out, 0, at);
                out[at] = b;
                System.arraycopy(input, at, out, at + 1, input.length - at);
                yield out;
            }
            default -> {
                byte[] out = new byte[input.length - 1];
                System.arraycopy(input, 0, out, 0, at);
                System.arraycopy(input, at + 1, out, at, input.length - at - 1);
                yield out;
            }
        };
    }
}
