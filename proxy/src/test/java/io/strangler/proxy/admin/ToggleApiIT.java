package io.strangler.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.Cli;
import io.strangler.proxy.testing.Fixtures;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.TestUpstream;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flipping modes and the kill switch over the admin API: effect on the next request, audit, revert, bad input. */
class ToggleApiIT {

    private static final String ONCALL = "oncall-token-0123456789abcdef";
    private static final String VIEWER = "viewer-token-0123456789abcdef";

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> call(int port, String method, String path, String token, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String config(String storeUrl, String instance, TestUpstream legacy, TestUpstream candidate) {
        return "store: { url: \"" + storeUrl + "\", instance: " + instance + " }\n"
                + "admin: { port: 0, tokens: [ { name: oncall, token: " + ONCALL + " },"
                + " { name: viewer, token: " + VIEWER + ", readOnly: true } ] }\n"
                + Fixtures.shadowConfig("orders", "shadow", legacy, candidate,
                "    pilot: { userFrom: \"header:X-User-Id\" }\n");
    }

    private static String servedBy(ProxyUnderTest proxy, String user) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/orders/1")).header("X-User-Id", user)
                .build(), HttpResponse.BodyHandlers.ofString()).headers().firstValue("X-Strangler-Served-By")
                .orElseThrow();
    }

    @Test
    void shouldFlipAuditAndRevertThroughTheApi() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{}");
             TestUpstream candidate = Fixtures.json("{}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config("jdbc:h2:file:" + dir.resolve("db"), "a", legacy,
                     candidate))) {
            int admin = proxy.proxy().adminPort().orElseThrow();

            HttpResponse<String> flip = call(admin, "PUT", "/api/toggles/orders", ONCALL,
                    "{\"mode\":\"pilot\",\"pilotUsers\":[\"alice\"],\"reason\":\"dark launch\"}");
            // The flip is in the file at once, not only in the open database: a process killed now keeps it.
            String onDisk;
            try (java.sql.Connection c = Fixtures.h2FileCopy(dir.resolve("db"));
                 java.sql.ResultSet rs = c.createStatement().executeQuery(
                         "SELECT reason FROM toggle_audit ORDER BY id DESC FETCH FIRST 1 ROWS ONLY")) {
                onDisk = rs.next() ? rs.getString(1) : null;
            }
            String alice = servedBy(proxy, "alice");
            String bob = servedBy(proxy, "bob");
            HttpResponse<String> kill = call(admin, "POST", "/api/kill-switch", ONCALL,
                    "{\"on\":true,\"reason\":\"incident 42\"}");
            String aliceKilled = servedBy(proxy, "alice");
            call(admin, "POST", "/api/kill-switch", ONCALL, "{\"on\":false,\"reason\":\"incident over\"}");
            String flipId = flip.body().replaceAll("(?s).*\"id\" : (\\d+).*", "$1");
            HttpResponse<String> revert = call(admin, "POST", "/api/toggles/revert", ONCALL,
                    "{\"auditId\":" + flipId + ",\"reason\":\"candidate bug\"}");
            String aliceReverted = servedBy(proxy, "alice");
            HttpResponse<String> audit = call(admin, "GET", "/api/audit?limit=10", VIEWER, null);
            HttpResponse<String> toggles = call(admin, "GET", "/api/toggles", VIEWER, null);

            assertThat(flip.statusCode()).isEqualTo(200);
            assertThat(onDisk).isEqualTo("dark launch");
            assertThat(alice).isEqualTo("candidate");
            assertThat(bob).isEqualTo("legacy");
            assertThat(kill.statusCode()).isEqualTo(200);
            assertThat(aliceKilled).isEqualTo("legacy");
            assertThat(revert.statusCode()).isEqualTo(200);
            assertThat(aliceReverted).isEqualTo("legacy");
            assertThat(audit.body()).contains("\"actor\" : \"oncall\"", "\"reason\" : \"dark launch\"",
                    "\"reason\" : \"incident 42\"", "\"reason\" : \"revert of #" + flipId + ": candidate bug\"",
                    "\"target\" : \"kill-switch\"");
            assertThat(toggles.body()).contains("\"mode\" : \"shadow\"", "\"killSwitch\" : false");
        }
    }

    @Test
    void shouldAnswerEveryBadCallWithAClearError() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{}");
             TestUpstream candidate = Fixtures.json("{}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config("jdbc:h2:file:" + dir.resolve("db"), "a", legacy,
                     candidate))) {
            int admin = proxy.proxy().adminPort().orElseThrow();
            String ok = "{\"mode\":\"pilot\",\"reason\":\"x\"}";

            assertThat(call(admin, "PUT", "/api/toggles/orders", null, ok).statusCode()).isEqualTo(401);
            assertThat(call(admin, "PUT", "/api/toggles/orders", "wrong-token-0123456789abc", ok).statusCode())
                    .isEqualTo(401);
            assertThat(call(admin, "PUT", "/api/toggles/orders", VIEWER, ok).statusCode()).isEqualTo(403);
            HttpResponse<String> unknownRoute = call(admin, "PUT", "/api/toggles/nope", ONCALL, ok);
            assertThat(unknownRoute.statusCode()).isEqualTo(404);
            assertThat(unknownRoute.body()).contains("unknown route 'nope'");
            assertThat(call(admin, "PUT", "/api/toggles/orders", ONCALL, "{\"mode\":\"canary\",\"reason\":\"x\"}")
                    .body()).contains("mode: 'canary'");
            assertThat(call(admin, "PUT", "/api/toggles/orders", ONCALL,
                    "{\"mode\":\"pilot\",\"percentage\":150,\"reason\":\"x\"}").body()).contains("percentage: 150");
            HttpResponse<String> noReason = call(admin, "PUT", "/api/toggles/orders", ONCALL, "{\"mode\":\"pilot\"}");
            assertThat(noReason.statusCode()).isEqualTo(400);
            assertThat(noReason.body()).contains("reason: missing");
            HttpResponse<String> malformed = call(admin, "PUT", "/api/toggles/orders", ONCALL, "{\"mode\":");
            assertThat(malformed.statusCode()).isEqualTo(400);
            assertThat(malformed.body()).contains("malformed JSON");
            assertThat(call(admin, "POST", "/api/toggles/revert", ONCALL, "{\"auditId\":999,\"reason\":\"x\"}")
                    .statusCode()).isEqualTo(404);
            assertThat(call(admin, "POST", "/api/kill-switch", ONCALL, "{\"on\":\"yes\",\"reason\":\"x\"}")
                    .statusCode()).isEqualTo(400);
            assertThat(call(admin, "DELETE", "/api/toggles", ONCALL, null).statusCode()).isEqualTo(405);
            // A page on another origin: its write is refused with or without a token, and so is its preflight.
            HttpResponse<String> foreign = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin
                    + "/api/kill-switch")).header("Origin", "http://evil.example")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"on\":true,\"reason\":\"x\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(foreign.statusCode()).isEqualTo(403);
            assertThat(foreign.body()).contains("cross_origin", "http://evil.example");
            assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/kill-switch"))
                    .header("Origin", "http://evil.example").header("Authorization", "Bearer " + ONCALL)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"on\":true,\"reason\":\"x\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
            HttpResponse<String> preflight = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin
                    + "/api/kill-switch")).header("Origin", "http://evil.example")
                    .header("Access-Control-Request-Method", "POST")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(preflight.statusCode()).isEqualTo(403);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            // Nothing above changed anything.
            assertThat(call(admin, "GET", "/api/toggles", VIEWER, null).body()).contains("\"mode\" : \"shadow\"");
            assertThat(call(admin, "GET", "/api/audit", VIEWER, null).body()).doesNotContain("\"source\" : \"api\"")
                    .contains("\"source\" : \"config\"");
        }
    }

    @Test
    void shouldKeepServingTheLastKnownStateWhilePostgresIsAwayAndReuseOneConnection() throws Exception {
        int port = freePort();
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
        EmbeddedPostgres pg = Fixtures.postgres(dir.resolve("pg"), port);
        try (TestUpstream legacy = Fixtures.json("{}");
             TestUpstream candidate = Fixtures.json("{}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config(url, "a", legacy, candidate))) {
            int admin = proxy.proxy().adminPort().orElseThrow();
            assertThat(call(admin, "PUT", "/api/toggles/orders", ONCALL,
                    "{\"mode\":\"candidate\",\"reason\":\"before the outage\"}").statusCode()).isEqualTo(200);
            // The refresh reads the state twice a second; over 3 s it must not open a connection per read.
            long sessionsBefore = sessions(pg);
            Thread.sleep(3000);
            long opened = sessions(pg) - sessionsBefore;

            pg.close();
            awaitToggles(admin, "\"stateReachable\" : false");
            String during = servedBy(proxy, "bob");

            pg = Fixtures.postgres(dir.resolve("pg"), port);
            awaitToggles(admin, "\"stateReachable\" : true");
            int flip = call(admin, "PUT", "/api/toggles/orders", ONCALL,
                    "{\"mode\":\"legacy\",\"reason\":\"after the outage\"}").statusCode();

            assertThat(opened).as("database sessions opened in 3 s of toggle refreshes").isLessThanOrEqualTo(2);
            assertThat(during).as("served during the outage, by the last known state").isEqualTo("candidate");
            assertThat(flip).isEqualTo(200);
            assertThat(servedBy(proxy, "bob")).isEqualTo("legacy");
        } finally {
            pg.close();
        }
    }

    private void awaitToggles(int admin, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!call(admin, "GET", "/api/toggles", VIEWER, null).body().contains(text)) {
            assertThat(System.nanoTime()).as("/api/toggles says " + text + " within 15 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Sessions the server has started so far (PostgreSQL 14 and later count them per database). */
    private static long sessions(EmbeddedPostgres pg) throws Exception {
        try (java.sql.Connection c = pg.getPostgresDatabase().getConnection();
             java.sql.ResultSet rs = c.createStatement().executeQuery(
                     "SELECT sessions FROM pg_stat_database WHERE datname = 'postgres'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void shouldReachEveryInstanceSharingOnePostgresWithinOneSecond() throws Exception {
        int port = freePort();
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
        try (EmbeddedPostgres pg = Fixtures.postgres(dir.resolve("pg"), port);
             TestUpstream legacy = Fixtures.json("{}");
             TestUpstream candidate = Fixtures.json("{}");
             ProxyUnderTest a = ProxyUnderTest.start(config(url, "a", legacy, candidate));
             ProxyUnderTest b = ProxyUnderTest.start(config(url, "b", legacy, candidate))) {
            assertThat(servedBy(b, "bob")).isEqualTo("legacy");

            long start = System.nanoTime();
            HttpResponse<String> flip = call(a.proxy().adminPort().orElseThrow(), "PUT", "/api/toggles/orders",
                    ONCALL, "{\"mode\":\"candidate\",\"reason\":\"cutover\"}");
            while (!servedBy(b, "bob").equals("candidate")) {
                assertThat(System.nanoTime() - start).as("flip reached instance b within 1 s")
                        .isLessThan(Duration.ofSeconds(1).toNanos());
                Thread.sleep(20);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(flip.statusCode()).isEqualTo(200);
            assertThat(millis).isLessThan(1000);
            assertThat(call(b.proxy().adminPort().orElseThrow(), "GET", "/api/audit", VIEWER, null).body())
                    .contains("\"reason\" : \"cutover\"", "\"instance\" : \"a\"");
        }
    }


    @Test
    void shouldFlipFromTheCommandLineThroughTheApi() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{}");
             TestUpstream candidate = Fixtures.json("{}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config("jdbc:h2:file:" + dir.resolve("db"), "a", legacy,
                     candidate))) {
            String admin = "http://127.0.0.1:" + proxy.proxy().adminPort().orElseThrow();

            Cli.Run set = Cli.run("toggle", "set", "orders", "--mode", "pilot", "--users", "alice,bob", "--reason",
                    "try it", "--admin", admin, "--token", ONCALL);
            String bob = servedBy(proxy, "bob");
            Cli.Run kill = Cli.run("toggle", "kill", "--reason", "drill", "--admin", admin, "--token", ONCALL);
            Cli.Run list = Cli.run("toggle", "list", "--admin", admin, "--token", VIEWER);
            Cli.Run audit = Cli.run("toggle", "audit", "--admin", admin, "--token", VIEWER);
            Cli.Run readOnly = Cli.run("toggle", "kill", "--off", "--reason", "x", "--admin", admin, "--token", VIEWER);
            Cli.Run badMode = Cli.run("toggle", "set", "orders", "--mode", "nope", "--reason", "x", "--admin", admin,
                    "--token", ONCALL);
            Cli.Run nobody = Cli.run("toggle", "list", "--admin", "http://127.0.0.1:9", "--token", ONCALL);
            Cli.Run json = Cli.run("toggle", "list", "--json", "--admin", admin, "--token", VIEWER);
            Cli.Run badId = Cli.run("toggle", "revert", "seven", "--reason", "x", "--admin", admin, "--token", ONCALL);
            Cli.Run undoKill = Cli.run("toggle", "revert", "last", "--reason", "drill over", "--admin", admin,
                    "--token", ONCALL);

            assertThat(set.code()).isZero();
            assertThat(set.out()).contains("orders shadow -> pilot (users alice,bob), reason: try it");
            assertThat(bob).isEqualTo("candidate");
            assertThat(kill.code()).isZero();
            assertThat(list.out()).contains("kill switch: ON").containsPattern("orders +pilot +alice,bob +0");
            assertThat(audit.out()).containsPattern("kill-switch +off -> on +drill")
                    .containsPattern("oncall +cli +orders +shadow -> pilot \\(users alice,bob\\) +try it");
            assertThat(json.out()).contains("\"killSwitch\" : true", "\"mode\" : \"pilot\"");
            assertThat(badId.code()).isEqualTo(2);
            assertThat(badId.err()).contains("AUDIT_ID: expected a number", "'seven'");
            assertThat(undoKill.code()).as(undoKill.err()).isZero();
            assertThat(undoKill.out()).contains("kill-switch on -> off, reason: revert of #3: drill over",
                    "kill switch: off");
            assertThat(readOnly.code()).isEqualTo(2);
            assertThat(readOnly.err()).contains("403", "read-only");
            assertThat(badMode.code()).isEqualTo(2);
            assertThat(badMode.err()).contains("mode: 'nope'");
            assertThat(nobody.code()).isEqualTo(1);
            assertThat(nobody.err()).contains("cannot reach");
        }
    }

    @Test
    void shouldApplyAndAuditBothOfTwoRacingFlips() throws Exception {
        try (TestUpstream legacy = Fixtures.json("{}");
             TestUpstream candidate = Fixtures.json("{}");
             ProxyUnderTest proxy = ProxyUnderTest.start(config("jdbc:h2:file:" + dir.resolve("db"), "a", legacy,
                     candidate))) {
            int admin = proxy.proxy().adminPort().orElseThrow();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
            java.util.List<java.util.concurrent.Future<HttpResponse<String>>> flips = new java.util.ArrayList<>();
            for (String mode : java.util.List.of("candidate", "legacy")) {
                flips.add(two.submit(() -> {
                    go.await();
                    return call(admin, "PUT", "/api/toggles/orders", ONCALL,
                            "{\"mode\":\"" + mode + "\",\"reason\":\"race " + mode + "\"}");
                }));
            }
            go.countDown();
            for (var f : flips) {
                assertThat(f.get().statusCode()).isEqualTo(200);
            }
            two.shutdown();

            String audit = call(admin, "GET", "/api/audit?limit=2", VIEWER, null).body();
            assertThat(audit).contains("race candidate", "race legacy");
            // Last write wins: the mode in force is the one of the newest audit entry (listed first).
            String newest = audit.replaceAll("(?s).*?\"reason\" : \"race (\\w+)\".*", "$1");
            assertThat(proxy.proxy().toggles().state("orders").mode().configName()).isEqualTo(newest);
        }
    }
}
