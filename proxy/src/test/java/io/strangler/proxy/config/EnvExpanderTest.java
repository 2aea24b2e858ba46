package io.strangler.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvExpanderTest {

    private final EnvExpander env = EnvExpander.of(Map.of("HOST", "db", "EMPTY", ""));

    @Test
    void shouldExpandVariablesAndDefaults() {
        assertThat(env.expand("http://${HOST}:${PORT:-5432}/x")).isEqualTo("http://db:5432/x");
        assertThat(env.expand("${EMPTY:-fallback}")).isEmpty();
        assertThat(env.expand("${MISSING:-}")).isEmpty();
        assertThat(env.expand("cost: $$5")).isEqualTo("cost: $5");
        assertThat(env.expand("no placeholders")).isEqualTo("no placeholders");
    }

    @Test
    void shouldRejectUnsetVariablesAndBrokenPlaceholders() {
        assertThatThrownBy(() -> env.expand("${TOKEN}")).hasMessageContaining("TOKEN is not set");
        assertThatThrownBy(() -> env.expand("${HOST")).hasMessageContaining("unterminated placeholder");
        assertThatThrownBy(() -> env.expand("${1BAD}")).hasMessageContaining("bad placeholder");
    }
}
