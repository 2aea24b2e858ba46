package io.strangler.toggles;

import java.util.Locale;
import java.util.Optional;

/** How a route is served (design.md's table). */
public enum Mode {
    /** Served by legacy; nothing goes to the candidate. The start, and where the kill switch sends everything. */
    LEGACY,
    /** Served by legacy; the candidate gets a copy and the answers are compared. */
    SHADOW,
    /** Pilot users are served by the candidate (legacy is their shadow); everyone else as in shadow mode. */
    PILOT,
    /** Everyone is served by the candidate; legacy is the shadow. */
    CANDIDATE;

    private final String configName = name().toLowerCase(Locale.ROOT);

    public String configName() {
        return configName;
    }

    public static Optional<Mode> parse(String text) {
        for (Mode m : values()) {
            if (m.configName.equals(text)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
