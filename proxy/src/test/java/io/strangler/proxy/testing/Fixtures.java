package io.strangler.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Upstreams, configs and waits that several integration tests share. */
public final class Fixtures {

    private Fixtures() {
    }

    /** An upstream answering every request with {@code body} as JSON. */
    public static TestUpstream json(String body) {
        return TestUpstream.http((ctx, req) -> ctx.writeAndFlush(jsonResponse(body)));
    }

    public static FullHttpResponse jsonResponse(String body) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        HttpUtil.setContentLength(res, res.content().readableBytes());
        return res;
    }

    /** A legacy and a candidate upstream and one route {@code id} on {@code /api/<id>} in {@code mode}. */
    public static String shadowConfig(String id, String mode, TestUpstream legacy, TestUpstream candidate,
            String routeExtra) {
        return "upstreams:\n"
                + "  legacy: { url: " + legacy.url() + " }\n"
                + "  candidate: { url: " + candidate.url() + " }\n"
                + "routes:\n"
                + "  - id: " + id + "\n"
                + "    match: { pathPrefix: /api/" + id + " }\n"
                + "    legacy: legacy\n"
                + "    candidate: candidate\n"
                + "    mode: " + mode + "\n"
                + routeExtra;
    }

    /** Polls {@code condition} every 10 ms for up to 10 s; fails the test if it never holds. */
    public static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition within 10 s").isNegative();
            Thread.sleep(10);
        }
    }

    /**
     * Flushes {@code store} until {@code check} holds (an exception counts as not yet). The shadow metrics count an
     * outcome just before the result listeners, the store among them, take it in, and the store counts an outcome
     * just before its differences: a test that saw N outcomes in the metrics may flush a moment before the store has
     * the last one, or its differences. Check every count the test goes on to assert.
     */
    public static void flushUntil(io.strangler.proxy.store.DivergenceStore store,
            java.util.concurrent.Callable<Boolean> check) throws InterruptedException {
        awaitTrue(() -> {
            store.flushNow();
            try {
                return check.call();
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** initdb and a first start; on a busy 2-core machine that has taken longer than the library's 10 s. */
    private static final Duration PG_START = Duration.ofSeconds(60);

    /** A real PostgreSQL on {@code port} with its data in {@code data}, kept across restarts. */
    public static EmbeddedPostgres postgres(Path data, int port) throws Exception {
        return EmbeddedPostgres.builder().setPGStartupWait(PG_START).setDataDirectory(data)
                .setCleanDataDirectory(false).setPort(port).start();
    }

    /**
     * A connection to a copy of the H2 database file {@code db} ({@code <db>.mv.db}) as it is on disk now, while
     * the database itself may still be open elsewhere: what a process killed at this moment would have kept.
     */
    public static Connection h2FileCopy(Path db) throws Exception {
        Path copy = db.resolveSibling(db.getFileName() + "-copy");
        Files.copy(db.resolveSibling(db.getFileName() + ".mv.db"), copy.resolveSibling(copy.getFileName() + ".mv.db"));
        return DriverManager.getConnection("jdbc:h2:file:" + copy);
    }
}
