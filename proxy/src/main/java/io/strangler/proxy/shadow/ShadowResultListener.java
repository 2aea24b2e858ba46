package io.strangler.proxy.shadow;

/**
 * Receives every compared or failed shadow result (skips that never made a shadow call are only counted). Called
 * on a compare thread, never on an event loop; an implementation may do modest work but must not block for long,
 * since comparisons queue behind it. Exceptions it throws are counted and logged, and never reach a client.
 */
@FunctionalInterface
public interface ShadowResultListener {

    ShadowResultListener NONE = result -> { };

    void onResult(ShadowResult result);
}
