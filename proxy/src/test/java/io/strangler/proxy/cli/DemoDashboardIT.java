package io.strangler.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.demo.DemoTraffic;
import io.strangler.proxy.testing.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo as `./strangler demo` starts it: by the time it prints the dashboard's address, there is data to see. */
class DemoDashboardIT {

    @TempDir
    Path dir;

    @Test
    void shouldHaveLiveDataOnTheDashboardOnceTheWarmUpIsDone() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        try (DemoCommand.Demo demo = DemoCommand.start("127.0.0.1", 0, 600_000, "jdbc:h2:file:" + dir.resolve("db"));
             DemoTraffic traffic = DemoTraffic.start("http://127.0.0.1:" + demo.proxy().port(), 50, 150)) {
            traffic.awaitWarmUp(Duration.ofSeconds(20));
            URI overview = URI.create("http://127.0.0.1:" + demo.proxy().adminPort().orElseThrow() + "/api/overview");
            String[] body = new String[1];
            Fixtures.awaitTrue(() -> {
                try {
                    body[0] = client.send(HttpRequest.newBuilder(overview)
                            .header("Authorization", "Bearer " + DemoCommand.DEMO_TOKEN).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    // Every route has served traffic, and items' known price difference has been found.
                    return !body[0].matches("(?s).*\"served\":0,.*") && body[0].matches(
                            "(?s).*\"route\":\"items\".*?\"diverged\":[1-9].*");
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(traffic.sent()).isGreaterThanOrEqualTo(150);
            assertThat(body[0]).contains("\"route\":\"items\"", "\"route\":\"orders\"", "\"route\":\"time\"");
        }
    }
}
