package io.strangler.toggles;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a request's user id is read from, for routing only (this is not authentication: a JWT's signature is not
 * checked, since the backends do that): {@code header:X-User-Id}, {@code cookie:session_user} or {@code jwt:sub}
 * (a claim of the payload of an {@code Authorization: Bearer} token).
 *
 * @param kind where to look
 * @param name the header, cookie or claim name
 */
public record UserSource(Kind kind, String name) {

    public enum Kind { HEADER, COOKIE, JWT }

    private static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_TOKEN_CHARS = 16 * 1024;

    public UserSource {
        requireNonNull(kind, "kind");
        requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("empty name");
        }
    }

    /**
     * Parses {@code header:NAME}, {@code cookie:NAME} or {@code jwt:CLAIM}.
     *
     * @throws IllegalArgumentException saying what was expected
     */
    public static UserSource parse(String text) {
        int colon = text.indexOf(':');
        String kind = colon < 0 ? "" : text.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String name = colon < 0 ? "" : text.substring(colon + 1).trim();
        if (name.isEmpty() || !(kind.equals("header") || kind.equals("cookie") || kind.equals("jwt"))) {
            throw new IllegalArgumentException("'" + text + "' (expected: header:NAME, cookie:NAME or jwt:CLAIM)");
        }
        return new UserSource(Kind.valueOf(kind.toUpperCase(Locale.ROOT)), name);
    }

    /** The user id of {@code request}, if it carries one here. Never throws on malformed input. */
    public Optional<String> userOf(RequestView request) {
        return switch (kind) {
            case HEADER -> nonBlank(request.header(name));
            case COOKIE -> cookie(request.header("cookie"));
            case JWT -> claim(request.header("authorization"));
        };
    }

    private Optional<String> cookie(String header) {
        if (header == null) {
            return Optional.empty();
        }
        for (String pair : header.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                String v = pair.substring(eq + 1).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                    v = v.substring(1, v.length() - 1);
                }
                return nonBlank(v);
            }
        }
        return Optional.empty();
    }

    private Optional<String> claim(String authorization) {
        if (authorization == null || authorization.length() > MAX_TOKEN_CHARS
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String[] parts = authorization.substring(7).trim().split("\\.");
        if (parts.length != 3) {
            return Optional.empty();
        }
        byte[] payload;
        try {
            payload = Base64.getUrlDecoder().decode(parts[1]);
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
        try (JsonParser p = JSON.createParser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (field.equals(name) && (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_INT)) {
                    return nonBlank(p.getText());
                }
                p.skipChildren();
            }
            return Optional.empty();
        } catch (IOException malformed) {
            return Optional.empty();
        }
    }

    private static Optional<String> nonBlank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.trim());
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + ":" + name;
    }
}
