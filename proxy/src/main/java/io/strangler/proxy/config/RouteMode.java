package io.strangler.proxy.config;

import java.util.Locale;

/**
 * How a route is served at first start; at run time the mode is toggle state (see {@code io.strangler.toggles}).
 */
public enum RouteMode {
    /** Served by legacy; nothing is sent to the candidate. */
    LEGACY,
    /** Served by legacy; a copy of eligible requests goes to the candidate and both responses are compared. */
    SHADOW,
    /** Pilot users are served by the candidate (legacy is their shadow); everyone else as in shadow mode. */
    PILOT,
    /** Everyone is served by the candidate; legacy is the shadow. */
    CANDIDATE;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True if a route in this mode needs a candidate. */
    public boolean needsCandidate() {
        return this != LEGACY;
    }

    public io.strangler.toggles.Mode toggleMode() {
        return io.strangler.toggles.Mode.valueOf(name());
    }
}
