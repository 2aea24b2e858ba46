package io.strangler.comparator;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What one system answered to one request, or how it failed to. Immutable.
 *
 * @param status HTTP status, or 0 when {@code error} is present
 * @param headers response headers, names in lower case, values in order
 * @param body the body as captured
 * @param duration time to the complete response (or to the failure)
 * @param error why there is no response (e.g. {@code connect_refused}, {@code timeout}), if there is none
 */
public record Observation(int status, Map<String, List<String>> headers, Body body, Duration duration,
        Optional<String> error) {

    public Observation {
        Map<String, List<String>> h = new LinkedHashMap<>();
        requireNonNull(headers, "headers").forEach((k, v) ->
                h.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).addAll(v));
        h.replaceAll((k, v) -> List.copyOf(v));
        headers = java.util.Collections.unmodifiableMap(h);
        requireNonNull(body, "body");
        requireNonNull(duration, "duration");
        requireNonNull(error, "error");
    }

    /** A response. */
    public static Observation of(int status, Map<String, List<String>> headers, Body body, Duration duration) {
        return new Observation(status, headers, body, duration, Optional.empty());
    }

    /** A failure to get a response. */
    public static Observation failed(String error, Duration duration) {
        return new Observation(0, Map.of(), Body.EMPTY, duration, Optional.of(error));
    }

    public boolean failed() {
        return error.isPresent();
    }

    /** The first value of a header (name case-insensitive), if present. */
    public Optional<String> header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    /** The content type without parameters, lower case; empty string if absent. */
    public String mediaType() {
        String ct = header("content-type").orElse("");
        int semi = ct.indexOf(';');
        return (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }
}
