package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A configuration that cannot be used, with every problem found in it. Thrown once, at load time, never per
 * request. Each error is one line: the path of the offending key, the value, and what was expected.
 */
public final class ConfigException extends Exception {

    private final List<String> errors;

    public ConfigException(List<String> errors) {
        super(format(errors));
        this.errors = List.copyOf(requireNonNull(errors, "errors"));
    }

    public List<String> errors() {
        return errors;
    }

    private static String format(List<String> errors) {
        StringBuilder sb = new StringBuilder();
        sb.append(errors.size() == 1 ? "1 configuration error" : errors.size() + " configuration errors");
        for (String e : errors) {
            sb.append(System.lineSeparator()).append("  ").append(e);
        }
        return sb.toString();
    }
}
