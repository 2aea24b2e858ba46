package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import io.strangler.toggles.PilotPolicy;
import io.strangler.toggles.UserSource;
import java.util.Optional;
import java.util.Set;

/**
 * A route's pilot users as configured: how they are recognised, and who they are at first start (afterwards the
 * users and percentage are toggle state, changed through the admin API).
 *
 * @param userFrom where the user id is read ({@code header:X-User-Id}, {@code cookie:uid}, {@code jwt:sub})
 * @param users user ids that are pilots
 * @param percentage sticky share of all users that are pilots, 0..100
 * @param header a header that makes a request a pilot request, e.g. {@code X-Pilot}
 * @param headerValue the value the header must have
 */
public record PilotConfig(Optional<UserSource> userFrom, Set<String> users, double percentage, Optional<String> header,
        String headerValue) {

    public PilotConfig {
        requireNonNull(userFrom, "userFrom");
        users = Set.copyOf(users);
        requireNonNull(header, "header");
        requireNonNull(headerValue, "headerValue");
    }

    public static PilotConfig none() {
        return new PilotConfig(Optional.empty(), Set.of(), 0, Optional.empty(), "on");
    }

    public PilotPolicy policy() {
        return new PilotPolicy(userFrom, header, headerValue);
    }
}
