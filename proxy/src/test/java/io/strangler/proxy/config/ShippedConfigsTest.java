package io.strangler.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every config we ship or show in the docs must load without errors, so examples cannot rot. */
class ShippedConfigsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private final ConfigLoader loader = new ConfigLoader(EnvExpander.of(Map.of()));

    @Test
    void shouldLoadEveryExampleConfig() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(ROOT.resolve("examples"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).toList();
        }

        assertThat(files).isNotEmpty();
        for (Path f : files) {
            assertThat(loader.load(f).routes()).as(f.toString()).isNotEmpty();
        }
    }

    @Test
    void shouldLoadEveryYamlBlockInTheReadmeAndConfigurationReference() throws Exception {
        List<String> blocks = new ArrayList<>();
        for (String doc : List.of("README.md", "docs/configuration.md", "docs/performance.md",
                "docs/shadowing.md", "docs/pilot-and-modes.md")) {
            Matcher m = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL)
                    .matcher(Files.readString(ROOT.resolve(doc)));
            while (m.find()) {
                blocks.add(m.group(1));
            }
        }

        assertThat(blocks).hasSizeGreaterThanOrEqualTo(3);
        for (String yaml : blocks) {
            assertThat(loader.parse(yaml, "doc").routes()).isNotEmpty();
        }
    }
}
