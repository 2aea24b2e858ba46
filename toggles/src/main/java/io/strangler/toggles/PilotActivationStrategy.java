package io.strangler.toggles;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.togglz.core.activation.Parameter;
import org.togglz.core.activation.ParameterBuilder;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.spi.ActivationStrategy;
import org.togglz.core.user.FeatureUser;

/**
 * The Togglz strategy behind pilot mode: a user is active (a pilot) when the request carries the pilot header, when
 * their id is listed, or when their sticky bucket falls within the percentage. The user is always passed in by the
 * caller; nothing here reads a thread-local or Togglz's static context.
 *
 * <p>Stateless and thread-safe.
 */
public final class PilotActivationStrategy implements ActivationStrategy {

    public static final String ID = "strangler-pilot";
    static final String USERS = "users";
    static final String PERCENTAGE = "percentage";
    static final String ROUTE = "route";
    /** A {@link FeatureUser} attribute: Boolean.TRUE when the request carries the pilot header. */
    public static final String PILOT_HEADER = "pilotHeader";

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getName() {
        return "Strangler pilot users";
    }

    @Override
    public boolean isActive(FeatureState state, FeatureUser user) {
        if (user == null) {
            return false;
        }
        return isPilot(state.getParameter(ROUTE), users(state), percentage(state), user.getName(),
                Boolean.TRUE.equals(user.getAttribute(PILOT_HEADER)));
    }

    /**
     * The same decision from parameters already parsed, for callers that decide per request and keep the parsed
     * state (no string splitting on an event loop).
     */
    public boolean isPilot(String route, Set<String> users, double percentage, String userId, boolean header) {
        if (header) {
            return true;
        }
        if (userId == null || userId.isEmpty()) {
            return false;
        }
        if (users.contains(userId)) {
            return true;
        }
        return percentage > 0 && route != null && StickyBuckets.inPercentage(route, userId, percentage);
    }

    static Set<String> users(FeatureState state) {
        String v = state.getParameter(USERS);
        Set<String> out = new HashSet<>();
        if (v != null) {
            Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
        }
        return out;
    }

    static double percentage(FeatureState state) {
        try {
            String v = state.getParameter(PERCENTAGE);
            return v == null ? 0 : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public Parameter[] getParameters() {
        return new Parameter[] {
            ParameterBuilder.create(USERS).label("Pilot user ids, comma-separated").optional(),
            ParameterBuilder.create(PERCENTAGE).label("Sticky share of users, 0-100").optional(),
            ParameterBuilder.create(ROUTE).label("Route id (salts the sticky hash)")};
    }
}
