package io.strangler.toggles;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * The changeable state of one route: its mode and, for {@link Mode#PILOT}, who its pilots are.
 *
 * @param mode how the route is served
 * @param users user ids that are always pilots
 * @param percentage share of all users (0..100, sticky per user and route) that are pilots
 */
public record RouteState(Mode mode, Set<String> users, double percentage) {

    public RouteState {
        requireNonNull(mode, "mode");
        users = Set.copyOf(users);
        if (!(percentage >= 0 && percentage <= 100)) {
            throw new IllegalArgumentException("percentage: " + percentage + " (expected: 0 to 100)");
        }
    }

    public static RouteState of(Mode mode) {
        return new RouteState(mode, Set.of(), 0);
    }
}
