package io.strangler.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every config under examples/ passes `strangler run --check` as shipped (placeholders take their defaults). */
class ExampleConfigsTest {

    @Test
    void shouldValidateEveryExampleConfig() throws IOException {
        List<Path> examples;
        try (Stream<Path> s = Files.list(Path.of("..", "examples"))) {
            examples = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(examples).extracting(p -> p.getFileName().toString()).contains("single-route-shadow.yaml",
                "pilot-many-routes.yaml", "two-instances-postgres.yaml", "strangler.yaml");
        for (Path example : examples) {
            Cli.Run check = Cli.run("run", "--check", "--config", example.toString());
            assertThat(check.code()).as(example + ": " + check.err()).isZero();
        }
    }
}
