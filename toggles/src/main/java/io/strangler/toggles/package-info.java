/**
 * Routing modes for Strangler routes ({@code legacy}, {@code shadow}, {@code pilot}, {@code candidate}) kept as
 * Togglz feature state. Plain Java with no Netty dependency: decisions take the request (and so the user)
 * explicitly, never a thread-local or Togglz's static context, and never do I/O on the caller's thread.
 *
 * <p>{@link io.strangler.toggles.RouteToggles} holds the state over any Togglz {@code StateRepository};
 * {@link io.strangler.toggles.PilotActivationStrategy} decides who is a pilot (listed ids, a sticky percentage
 * from {@link io.strangler.toggles.StickyBuckets}, or a tester header); {@link io.strangler.toggles.UserSource}
 * reads the user id from a header, a cookie or a JWT claim. Example:
 *
 * <pre>{@code
 * RouteToggles toggles = new RouteToggles(repository, Map.of("orders", RouteState.of(Mode.SHADOW)), refresh);
 * Decision d = toggles.decide("orders", pilotPolicy, name -> request.headers().get(name));
 * }</pre>
 */
package io.strangler.toggles;
