package io.strangler.proxy.config;

import java.util.Locale;

/**
 * How a route is served. Only {@link #LEGACY} exists so far: shadow, pilot and candidate modes arrive with the
 * shadow and toggles work, and the config rejects them until then rather than accepting a mode it cannot honour.
 */
public enum RouteMode {
    /** Served by legacy; nothing is sent to the candidate. */
    LEGACY;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
