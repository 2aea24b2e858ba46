/**
 * Routing modes for Strangler routes ({@code legacy}, {@code shadow}, {@code pilot}, {@code candidate}) kept as
 * Togglz feature state. Plain Java with no Netty dependency: decisions take the user explicitly and never do I/O
 * on the caller's thread.
 *
 * <p>The feature model lands with the toggles issue; until then every route is served by legacy.
 */
package io.strangler.toggles;
