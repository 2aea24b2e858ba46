package io.strangler.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class StaticAssetsTest {

    @Test
    void shouldPackageEveryFileOfDashboardsWebAndNothingElse() throws Exception {
        Path web = Path.of("..", "dashboards", "web");
        try (Stream<Path> files = Files.list(web)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .containsExactlyInAnyOrderElementsOf(StaticAssets.FILES);
        }
        StaticAssets assets = StaticAssets.load();
        for (String f : StaticAssets.FILES) {
            assertThat(assets.get(f)).as(f).isPresent();
        }
        assertThat(assets.get("index.html").orElseThrow().contentType()).startsWith("text/html");
        assertThat(assets.get("../pom.xml")).isEmpty();
    }
}
