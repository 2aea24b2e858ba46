package io.strangler.proxy.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.proxy.testing.Cli;
import io.strangler.proxy.testing.Fixtures;
import io.strangler.proxy.testing.ProxyUnderTest;
import io.strangler.proxy.testing.TestUpstream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The divergence store on an embedded H2 file: counts, samples, latency and redaction, through the real proxy. */
class StoreIT {

    @TempDir
    Path dir;

    static String storeYaml(String url, String extra) {
        return "store: { url: \"" + url + "\", flushInterval: 100ms, samplesPerDifference: 2"
                + (extra.isEmpty() ? "" : ", " + extra) + " }\n";
    }

    @Test
    void shouldKeepCountsAndSamplesAndNeverAnySecret() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE";
        try (TestUpstream legacy = Fixtures.json("{\"id\":3,\"price\":24.99,\"password\":\"hunter2-legacy\"}");
             TestUpstream candidate = Fixtures.json("{\"id\":3,\"price\":24.5,\"password\":\"hunter2-candidate\"}");
             ProxyUnderTest proxy = ProxyUnderTest.start(storeYaml(url, "redact: { jsonPaths: [\"$.password\"],"
                     + " queryParams: [token] }") + Fixtures.shadowConfig("orders", "shadow", legacy, candidate, ""))) {

            for (int i = 0; i < 5; i++) {
                HttpResponse<String> res = proxy.client().send(HttpRequest.newBuilder(
                        proxy.uri("/api/orders/" + i + "?token=s3cr3t-query&x=1"))
                        .header("Authorization", "Bearer s3cr3t-bearer").build(), HttpResponse.BodyHandlers.ofString());
                assertThat(res.statusCode()).isEqualTo(200);
            }
            Fixtures.awaitTrue(() -> proxy.outcomes("orders", "diverged", "diverged") == 5);
            Fixtures.flushUntil(proxy.proxy().store().orElseThrow(), () -> {
                // Until both the outcomes and their differences are stored (the store counts one, then the other).
                try (Connection c = DriverManager.getConnection(url)) {
                    return "5".equals(single(c, "SELECT SUM(n) FROM outcome_counts WHERE outcome = 'diverged'"))
                            && "5".equals(single(c, "SELECT SUM(n) FROM difference_counts WHERE path = '$.price'"));
                }
            });

            try (Connection c = DriverManager.getConnection(url)) {
                assertThat(single(c, "SELECT SUM(n) FROM outcome_counts WHERE route = 'orders' AND outcome = 'diverged'"))
                        .isEqualTo("5");
                assertThat(single(c, "SELECT endpoint FROM outcome_counts WHERE outcome = 'diverged'"))
                        .isEqualTo("/api/orders/{id}");
                assertThat(single(c, "SELECT SUM(n) FROM difference_counts WHERE path = '$.price'")).isEqualTo("5");
                // Two kept per difference, plus the latest.
                assertThat(Long.parseLong(single(c, "SELECT COUNT(*) FROM samples"))).isBetween(2L, 3L);
                assertThat(single(c, "SELECT COUNT(*) FROM latency WHERE side = 'candidate'")).isEqualTo("1");
                String everything = dump(c);
                assertThat(everything).contains("24.99", "24.5", "[redacted]", "x=1")
                        .doesNotContain("hunter2", "s3cr3t");
            }
        }
        // The reports read the same store: the difference with its sample, and still no secret.
        Cli.Run md = Cli.run("report", "--store", url);
        Cli.Run html = Cli.run("report", "--store", url, "--format", "html", "--out", dir.resolve("r.html").toString());
        Cli.Run json = Cli.run("report", "--store", url, "--format", "json", "--route", "orders");

        assertThat(md.code()).isZero();
        assertThat(md.out()).contains("| orders | 5 | 0.0% | 5 |", "`$.price` | value | 5 | 100.0% | `24.99` → `24.5`");
        assertThat(html.code()).isZero();
        String page = java.nio.file.Files.readString(dir.resolve("r.html"));
        assertThat(page).contains("<mark>", "$.price").doesNotContain("hunter2", "s3cr3t", "<script", "http://", "https://");
        assertThat(json.out()).contains("\"route\" : \"orders\"").doesNotContain("hunter2");
        assertThat(md.out() + json.out()).doesNotContain("hunter2", "s3cr3t");
    }

    @Test
    void countsWrittenAtShutdownAreInTheFileWhileAnotherConnectionKeepsTheDatabaseOpen() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE";
        // Another holder of the database, as the toggles and the reports are in a running proxy: closing the store's
        // own connection then does not close the database, and H2 writes commits to the file only a while later.
        try (Connection holder = DriverManager.getConnection(url)) {
            try (TestUpstream legacy = Fixtures.json("{\"id\":3,\"price\":24.99}");
                 TestUpstream candidate = Fixtures.json("{\"id\":3,\"price\":24.5}");
                 ProxyUnderTest proxy = ProxyUnderTest.start("store: { url: \"" + url + "\", flushInterval: 1h }\n"
                         + Fixtures.shadowConfig("orders", "shadow", legacy, candidate, ""))) {
                for (int i = 0; i < 3; i++) {
                    assertThat(proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/orders/" + i)).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
                }
                Fixtures.awaitTrue(() -> proxy.outcomes("orders", "diverged", "diverged") == 3);
            }
            // The proxy stopped (its only flush was the one at shutdown); a process exiting now keeps what is in the
            // file, so read a copy of the file, not the database still open here.
            try (Connection c = Fixtures.h2FileCopy(dir.resolve("db"))) {
                assertThat(single(c, "SELECT SUM(n) FROM outcome_counts WHERE route = 'orders' AND outcome = 'diverged'"))
                        .isEqualTo("3");
            }
            assertThat(holder.isValid(1)).isTrue();
        }
    }

    @Test
    void shouldReportAnEmptyStoreClearlyAndRejectAnUnknownRoute() {
        String url = "jdbc:h2:file:" + dir.resolve("empty");

        Cli.Run empty = Cli.run("report", "--store", url);
        Cli.Run unknown = Cli.run("report", "--store", url, "--route", "orders");

        assertThat(empty.code()).isZero();
        assertThat(empty.out()).contains("No comparisons yet");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown route 'orders'");
    }

    @Test
    void shouldRefuseAStoreWhoseSchemaIsNewerThanThisBuild() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("future");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE strangler_schema (version INT PRIMARY KEY, description VARCHAR(200) NOT NULL,"
                    + " applied_at TIMESTAMP NOT NULL)");
            s.execute("INSERT INTO strangler_schema VALUES (99, 'from the future', CURRENT_TIMESTAMP)");
        }
        java.nio.file.Path config = dir.resolve("strangler.yaml");
        java.nio.file.Files.writeString(config, "listen: { host: 127.0.0.1, port: 0 }\n" + storeYaml(url, "")
                + "upstreams: { legacy: { url: \"http://127.0.0.1:9\" } }\n"
                + "routes: [ { id: all, match: { pathPrefix: / }, legacy: legacy } ]\n");

        Cli.Run run = Cli.run("run", "--config", config.toString());

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("schema version 99, newer than this Strangler knows (2)");
    }

    @Test
    void shouldRefuseADamagedStoreWithTablesButNoVersion() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("damaged");
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE samples (id BIGINT)");
        }

        IllegalStateException e = org.assertj.core.api.Assertions.catchThrowableOfType(IllegalStateException.class,
                () -> ProxyUnderTest.start(storeYaml(url, "") + "upstreams: { legacy: { url: \"http://127.0.0.1:9\" } }\n"
                        + "routes: [ { id: all, match: { pathPrefix: / }, legacy: legacy } ]\n"));

        assertThat(e).hasMessageContaining("has Strangler tables but no strangler_schema version table");
    }


    static String single(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getString(1);
        }
    }

    /** Every value of every row of every store table, as text (bytes decoded as UTF-8). */
    static String dump(Connection c) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String table : List.of("outcome_counts", "difference_counts", "samples", "sample_differences")) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        Object v = rs.getObject(i);
                        if (v instanceof byte[] b) {
                            sb.append(new String(b, StandardCharsets.UTF_8));
                        } else if (v instanceof java.sql.Blob blob) {
                            sb.append(new String(blob.getBytes(1, (int) blob.length()), StandardCharsets.UTF_8));
                        } else if (v instanceof java.sql.Clob clob) {
                            sb.append(clob.getSubString(1, (int) clob.length()));
                        } else {
                            sb.append(v);
                        }
                        sb.append('|');
                    }
                    sb.append('\n');
                }
            }
        }
        return sb.toString();
    }

}
