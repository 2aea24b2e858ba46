package io.strangler.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

    private static final String VALID = """
            listen: { host: 127.0.0.1, port: "${PORT:-9090}", maxRequestBodyBytes: 2MiB, requestHeaderTimeout: 5s }
            upstreams:
              legacy:    { url: http://127.0.0.1:9001, connectTimeout: 250ms, responseTimeout: 10s, maxConnections: 32 }
              candidate: { url: "http://${CANDIDATE_HOST}:9002" }
            routes:
              - id: orders
                match: { pathPrefix: /api/orders, methods: [get, POST], host: Shop.Example.com }
                legacy: legacy
                candidate: candidate
                mode: legacy
              - id: rest
                match: { pathPrefix: / }
                legacy: legacy
                preserveHost: true
                servedByHeader: false
            """;

    private final ConfigLoader loader = new ConfigLoader(EnvExpander.of(Map.of("CANDIDATE_HOST", "10.0.0.7")));

    @Test
    void shouldReadEveryKeyOfAValidConfig() throws ConfigException {
        ProxyConfig c = loader.parse(VALID, "t.yaml");

        assertThat(c.listen().port()).isEqualTo(9090);
        assertThat(c.listen().maxRequestBodyBytes()).isEqualTo(2 * 1024 * 1024);
        assertThat(c.listen().requestHeaderTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.listen().maxHeaderBytes()).isEqualTo(ListenConfig.DEFAULT_MAX_HEADER_BYTES);
        UpstreamConfig legacy = c.upstreams().get("legacy");
        assertThat(legacy.connectTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(legacy.maxConnections()).isEqualTo(32);
        assertThat(legacy.hostHeader()).isEqualTo("127.0.0.1:9001");
        assertThat(c.upstreams().get("candidate").host()).isEqualTo("10.0.0.7");
        RouteConfig orders = c.routes().get(0);
        assertThat(orders.methods()).containsExactlyInAnyOrder("GET", "POST");
        assertThat(orders.host()).contains("shop.example.com");
        assertThat(orders.candidate()).contains("candidate");
        assertThat(c.routes().get(1).preserveHost()).isTrue();
        assertThat(c.routes().get(1).servedByHeader()).isFalse();
    }

    @Test
    void shouldListFiveDifferentMistakesAtOnceWithTheirPaths() {
        String broken = """
                listen: { port: 80800, drainTimout: 5s }
                upstreams:
                  legacy: { url: http://127.0.0.1:9001, connectTimeout: soon }
                routes:
                  - { id: a, match: { pathPrefix: /a }, legacy: legcy }
                  - { id: a, match: { pathPrefix: /b }, legacy: legacy }
                """;

        assertThatThrownBy(() -> loader.parse(broken, "t.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "listen.drainTimout: unknown key (expected: one of [drainTimeout, host, idleTimeout, "
                                + "ioThreads, maxHeaderBytes, maxInitialLineBytes, maxRequestBodyBytes, port, "
                                + "requestHeaderTimeout, transport])",
                        "listen.port: 80800 (expected: >= 0 and <= 65535)",
                        "upstreams.legacy.connectTimeout: 'soon' (expected: a duration such as 250ms, 10s, 5m, "
                                + "2h or 7d)",
                        "routes[0].legacy: 'legcy' (expected: one of [legacy])",
                        "routes[1].id: duplicate 'a' (already used by routes[0])"));
    }

    @Test
    void shouldRejectBadSizesUrlsModesAndMethods() {
        String broken = """
                listen: { maxRequestBodyBytes: 10 potatoes, maxHeaderBytes: 4GiB }
                upstreams:
                  legacy: { url: "https://secure:443" }
                  other: { url: "http://x:1/base" }
                routes:
                  - { id: r, match: { pathPrefix: api, methods: [GET, "G T"] }, legacy: other, mode: shadow }
                """;

        assertThatThrownBy(() -> loader.parse(broken, "t.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                        .anyMatch(s -> s.startsWith("listen.maxRequestBodyBytes: '10 potatoes'"))
                        .anyMatch(s -> s.startsWith("listen.maxHeaderBytes: '4GiB'"))
                        .anyMatch(s -> s.startsWith("upstreams.legacy.url: 'https://secure:443'"))
                        .anyMatch(s -> s.startsWith("upstreams.other.url: 'http://x:1/base' has a path"))
                        .anyMatch(s -> s.startsWith("routes[0].match.pathPrefix: 'api'"))
                        .anyMatch(s -> s.startsWith("routes[0].match.methods[1]: 'G T'"))
                        .anyMatch(s -> s.startsWith("routes[0].mode: 'shadow'"))
                        .hasSize(7));
    }

    @Test
    void shouldReportMissingSectionsAndUnsetVariables() {
        assertThatThrownBy(() -> loader.parse("listen: { host: \"${NOPE}\" }\n", "t.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "listen.host: environment variable NOPE is not set (set it, or write ${NOPE:-default})",
                        "upstreams: missing (expected: a map of upstream id to { url: http://host:port })",
                        "routes: missing (expected: a list of routes with id, match and legacy)"));
    }

    @Test
    void shouldReportInvalidYamlWithItsPosition() {
        assertThatThrownBy(() -> loader.parse("routes: [ {id: a\n", "t.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement()
                        .asString().startsWith("t.yaml:").contains("not valid YAML"));
    }

    @Test
    void shouldReportAnEmptyFile() {
        assertThatThrownBy(() -> loader.parse("", "t.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                        .isEqualTo(List.of("t.yaml: empty config (expected: at least upstreams and routes)")));
    }
}
