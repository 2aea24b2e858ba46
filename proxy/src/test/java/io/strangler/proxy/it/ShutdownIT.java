package io.strangler.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.FullHttpResponse;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.RawHttp;
import io.strangler.proxy.testing.TestUpstream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shutdown stops accepting, lets requests in flight finish, and closes idle connections. */
class ShutdownIT {

    /** Answers after {@code delayMs}; the latch counts requests other than {@code /warm}. */
    private static TestUpstream slowUpstream(CountDownLatch requestArrived, long delayMs) {
        return TestUpstream.http((ctx, req) -> {
            FullHttpResponse res = TestUpstream.response(req, 200, "finished " + req.uri());
            if (!req.uri().equals("/warm")) {
                requestArrived.countDown();
            }
            ctx.executor().schedule(() -> ctx.writeAndFlush(res), delayMs, TimeUnit.MILLISECONDS);
        });
    }

    @Test
    void shouldFinishInFlightRequestsAndRefuseNewConnections() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        try (TestUpstream upstream = slowUpstream(arrived, 700);
             ProxyUnderTest proxy = ProxyUnderTest.singleRoute(upstream.url(), "", "")) {
            int port = proxy.port();
            RawHttp idle = RawHttp.connect(port);
            assertThat(idle.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            RawHttp busy = RawHttp.connect(port);
            busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();

            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(
                    () -> proxy.proxy().shutdown(Duration.ofSeconds(10)));
            Thread.sleep(200);

            assertThatThrownBy(() -> RawHttp.connect(port).send("GET / HTTP/1.1\r\n\r\n").read())
                    .isInstanceOf(IOException.class);
            idle.timeout(2000);
            assertThat(idle.closedByPeer()).as("idle keep-alive connection closed at once").isTrue();
            RawHttp.Response res = busy.read();
            assertThat(res.status()).isEqualTo(200);
            assertThat(res.bodyText()).isEqualTo("finished /slow");
            assertThat(res.header("connection")).isEqualTo("close");
            shutdown.get(10, TimeUnit.SECONDS);
            busy.close();
            idle.close();
        }
    }

    @Test
    void shouldDrainOnSigtermInARealProcess(@TempDir Path dir) throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        try (TestUpstream upstream = slowUpstream(arrived, 1000)) {
            Path config = dir.resolve("strangler.yaml");
            Files.writeString(config, """
                    listen: { host: 127.0.0.1, port: 0, drainTimeout: 10s }
                    upstreams: { legacy: { url: "%s" } }
                    routes: [ { id: all, match: { pathPrefix: / }, legacy: legacy } ]
                    store: { url: "jdbc:h2:file:%s" }
                    admin: { port: 0 }
                    """.formatted(upstream.url(), dir.resolve("store")));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                    "io.strangler.proxy.Main", "run", "--config", config.toString()))
                    .redirectErrorStream(true).start();
            try {
                BufferedReader log = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8));
                Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
                int port = CompletableFuture.supplyAsync(() -> {
                    try {
                        String line;
                        while ((line = log.readLine()) != null) {
                            Matcher m = listening.matcher(line);
                            if (m.find()) {
                                return Integer.parseInt(m.group(1));
                            }
                        }
                        return -1;
                    } catch (IOException e) {
                        return -1;
                    }
                }).get(20, TimeUnit.SECONDS);
                assertThat(port).as("the proxy should log its port").isPositive();
                try (RawHttp client = RawHttp.connect(port)) {
                    client.send("GET /in-flight HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();

                    process.destroy();

                    RawHttp.Response res = client.read();
                    assertThat(res.status()).isEqualTo(200);
                    assertThat(res.bodyText()).isEqualTo("finished /in-flight");
                }
                assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
                assertThat(process.exitValue()).isEqualTo(143);
            } finally {
                process.destroyForcibly();
            }
        }
    }
}
