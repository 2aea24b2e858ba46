package io.strangler.proxy.shadow;

/**
 * Receives every compared or failed shadow result (skips that never made a shadow call are only counted). Called
 * on a compare thread or, for small answers, on a shadow event loop; never on a thread serving clients. An
 * implementation may do modest work but must not block for long, since comparisons and shadow calls queue behind it. Exceptions it throws are counted and logged, and never reach a client.
 */
@FunctionalInterface
public interface ShadowResultListener {

    ShadowResultListener NONE = result -> { };

    void onResult(ShadowResult result);

    /**
     * A request of {@code route} was not compared, for {@code reason}. Called on any event loop or a compare thread:
     * an implementation must only count, never block or allocate much.
     */
    default void onSkipped(String route, SkipReason reason) {
    }

    /** Both listeners, in order. */
    static ShadowResultListener both(ShadowResultListener first, ShadowResultListener second) {
        return new ShadowResultListener() {
            @Override
            public void onResult(ShadowResult result) {
                try {
                    first.onResult(result);
                } finally {
                    second.onResult(result);
                }
            }

            @Override
            public void onSkipped(String route, SkipReason reason) {
                first.onSkipped(route, reason);
                second.onSkipped(route, reason);
            }
        };
    }
}
