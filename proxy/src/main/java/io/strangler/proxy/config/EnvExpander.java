package io.strangler.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.function.Function;

/**
 * Expands {@code ${NAME}} and {@code ${NAME:-default}} in config values. A placeholder whose variable is unset and
 * has no default is an error (reported with the key's path), never silently empty: an empty admin token or URL is
 * worse than a failed start. {@code $$} stands for a literal {@code $}.
 */
public final class EnvExpander {

    private final Function<String, String> env;

    public EnvExpander(Function<String, String> env) {
        this.env = requireNonNull(env, "env");
    }

    public static EnvExpander of(Map<String, String> env) {
        Map<String, String> copy = Map.copyOf(env);
        return new EnvExpander(copy::get);
    }

    /** Returns the expanded text, or throws {@link IllegalArgumentException} naming the unset variable. */
    public String expand(String text) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
            } else if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                int end = text.indexOf('}', i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated placeholder '" + text.substring(i)
                            + "' (expected: ${NAME} or ${NAME:-default})");
                }
                String body = text.substring(i + 2, end);
                int sep = body.indexOf(":-");
                String name = sep < 0 ? body : body.substring(0, sep);
                if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new IllegalArgumentException("bad placeholder '${" + body
                            + "}' (expected: ${NAME} or ${NAME:-default})");
                }
                String value = env.apply(name);
                if (value == null) {
                    if (sep < 0) {
                        throw new IllegalArgumentException("environment variable " + name
                                + " is not set (set it, or write ${" + name + ":-default})");
                    }
                    value = body.substring(sep + 2);
                }
                out.append(value);
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
