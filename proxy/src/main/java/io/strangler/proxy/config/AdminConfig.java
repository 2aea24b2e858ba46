package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The admin listener: health, metrics and the JSON API, on a port of its own.
 *
 * @param host bind address; loopback by default, since the API can change how live traffic is served
 * @param port bind port ({@code 0}: any free port)
 * @param tokens who may call the API; without any, every API call is refused
 */
public record AdminConfig(String host, int port, List<Token> tokens) {

    public static final int DEFAULT_PORT = 8081;

    /**
     * @param name who this is, as written in audit entries and logs
     * @param token the bearer token (from an environment variable, never written in the file itself)
     * @param readOnly true if it may only read
     */
    public record Token(String name, String token, boolean readOnly) {
        public Token {
            requireNonNull(name, "name");
            requireNonNull(token, "token");
        }

        @Override
        public String toString() {
            return "Token[" + name + (readOnly ? ", read-only" : "") + "]";
        }
    }

    public AdminConfig {
        requireNonNull(host, "host");
        tokens = List.copyOf(tokens);
    }

    public static AdminConfig defaults() {
        return new AdminConfig("127.0.0.1", DEFAULT_PORT, List.of());
    }

    public AdminConfig withListen(String newHost, int newPort) {
        return new AdminConfig(newHost, newPort, tokens);
    }

    public AdminConfig withTokens(List<Token> newTokens) {
        return new AdminConfig(host, port, newTokens);
    }
}
