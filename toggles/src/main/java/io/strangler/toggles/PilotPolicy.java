package io.strangler.toggles;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * How a route recognises pilot users, from the config. Which users and what percentage are pilots is toggle state
 * ({@link RouteState}), changeable at run time.
 *
 * @param userFrom where the user id comes from; without it only the pilot header makes a pilot request
 * @param headerName a header that makes any request a pilot request ({@code X-Pilot}), for testers
 * @param headerValue the value it must have ({@code on})
 */
public record PilotPolicy(Optional<UserSource> userFrom, Optional<String> headerName, String headerValue) {

    public PilotPolicy {
        requireNonNull(userFrom, "userFrom");
        requireNonNull(headerName, "headerName");
        requireNonNull(headerValue, "headerValue");
    }

    public static PilotPolicy none() {
        return new PilotPolicy(Optional.empty(), Optional.empty(), "on");
    }

    /** True if the request carries the pilot header with the expected value (case-insensitive). */
    boolean headerSays(RequestView request) {
        if (headerName.isEmpty()) {
            return false;
        }
        String v = request.header(headerName.get());
        return v != null && v.trim().equalsIgnoreCase(headerValue);
    }
}
