package io.strangler.proxy.config;

import java.util.Locale;

/**
 * How a route is served. Pilot and candidate modes arrive with the toggles work; the config rejects them until
 * then rather than accepting a mode it cannot honour.
 */
public enum RouteMode {
    /** Served by legacy; nothing is sent to the candidate. */
    LEGACY,
    /** Served by legacy; a copy of eligible requests goes to the candidate and both responses are compared. */
    SHADOW;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True if requests of a route in this mode are copied to the candidate. */
    public boolean shadowsCandidate() {
        return this == SHADOW;
    }
}
