package io.strangler.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = Main.newCommandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    void shouldExitTwoAndListEveryErrorForABadConfig() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                listen: { port: -1 }
                upstreams:
                  legacy: { url: ftp://nowhere, maxConnections: many }
                routes:
                  - { id: a, match: { pathPrefix: a }, legacy: legacy, colour: blue }
                """);

        int code = run("run", "--config", file.toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString())
                .contains("5 configuration errors")
                .contains("listen.port: -1 (expected: >= 0 and <= 65535)")
                .contains("upstreams.legacy.maxConnections: 'many'")
                .contains("upstreams.legacy.url: 'ftp://nowhere'")
                .contains("routes[0].colour: unknown key")
                .contains("routes[0].match.pathPrefix: 'a' (expected: a path starting with '/')");
    }

    @Test
    void shouldExitTwoForAMissingConfigFileAndForBadUsage() {
        assertThat(run("run", "--config", dir.resolve("nope.yaml").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("no such file");
        assertThat(run("run")).isEqualTo(2);
        assertThat(run("frobnicate")).isEqualTo(2);
    }

    @Test
    void shouldValidateAGoodConfigWithCheck() throws Exception {
        Path file = dir.resolve("good.yaml");
        Files.writeString(file, """
                upstreams: { legacy: { url: "http://127.0.0.1:9001" } }
                routes: [ { id: all, match: { pathPrefix: / }, legacy: legacy } ]
                """);

        assertThat(run("run", "--check", "--config", file.toString())).isZero();
        assertThat(out.toString()).contains("OK (1 upstreams, 1 routes)");
    }

    @Test
    void shouldPrintVersionAndHelp() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).startsWith("strangler ");
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("run", "demo");
    }
}
