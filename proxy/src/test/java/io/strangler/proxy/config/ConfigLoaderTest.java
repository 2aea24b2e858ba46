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
              candidate: { url: "http://${CANDIDATE_HOST}:9002", responseDecoder: netty }
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
        assertThat(c.listen().requestDecoder()).isEqualTo("strangler");
        assertThat(c.listen().strictDecoder()).isTrue();
        UpstreamConfig legacy = c.upstreams().get("legacy");
        assertThat(legacy.connectTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(legacy.maxConnections()).isEqualTo(32);
        assertThat(legacy.hostHeader()).isEqualTo("127.0.0.1:9001");
        assertThat(c.upstreams().get("candidate").host()).isEqualTo("10.0.0.7");
        assertThat(legacy.responseDecoder()).isEqualTo("strangler");
        assertThat(legacy.fastResponseDecoder()).isTrue();
        assertThat(c.upstreams().get("candidate").fastResponseDecoder()).isFalse();
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
                                + "requestDecoder, requestHeaderTimeout, transport])",
                        "listen.port: 80800 (expected: >= 0 and <= 65535)",
                        "upstreams.legacy.connectTimeout: 'soon' (expected: a duration such as 250ms, 10s, 5m, "
                                + "2h or 7d)",
                        "routes[0].legacy: 'legcy' (expected: one of [legacy])",
                        "routes[1].id: duplicate 'a' (already used by routes[0])"));
    }

    @Test
    void shouldRejectBadSizesUrlsModesAndMethods() {
        String broken = """
                listen: { maxRequestBodyBytes: 10 potatoes, maxHeaderBytes: 4GiB, requestDecoder: fast }
                upstreams:
                  legacy: { url: "https://secure:443" }
                  other: { url: "http://x:1/base", responseDecoder: Netty }
                routes:
                  - { id: r, match: { pathPrefix: api, methods: [GET, "G T"] }, legacy: other, mode: canary }
                  - { id: on, match: { pathPrefix: /on }, legacy: legacy }
                shadowing: { backgroundCpu: lowest }
                """;

        assertThatThrownBy(() -> loader.parse(broken, "t.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                        .anyMatch(s -> s.startsWith("listen.maxRequestBodyBytes: '10 potatoes'"))
                        .anyMatch(s -> s.startsWith("listen.maxHeaderBytes: '4GiB'"))
                        .contains("listen.requestDecoder: 'fast' (expected: one of [netty, strangler])")
                        .anyMatch(s -> s.startsWith("upstreams.legacy.url: 'https://secure:443'"))
                        .anyMatch(s -> s.startsWith("upstreams.other.url: 'http://x:1/base' has a path"))
                        .contains("upstreams.other.responseDecoder: 'Netty' (expected: one of [netty, strangler])")
                        .anyMatch(s -> s.startsWith("routes[0].match.pathPrefix: 'api'"))
                        .anyMatch(s -> s.startsWith("routes[0].match.methods[1]: 'G T'"))
                        .anyMatch(s -> s.startsWith("routes[0].mode: 'canary' (expected: one of legacy, shadow, pilot, "
                                + "candidate)"))
                        .contains("shadowing.backgroundCpu: 'lowest' (expected: one of [idle, low, normal])")
                        .contains("routes[1].id: a boolean (YAML reads on, off, yes, no, true and false unquoted as "
                                + "booleans; quote the id, e.g. id: \"on\")")
                        .hasSize(11));
    }

    @Test
    void shouldReadShadowBreakerAndCompareSettings() throws ConfigException {
        ProxyConfig c = loader.parse("""
                upstreams:
                  legacy: { url: http://127.0.0.1:9001 }
                  candidate: { url: http://127.0.0.1:9002, responseTimeout: 3s }
                shadowing: { ioThreads: 2, compareThreads: 3, compareQueue: 100, comparePendingBytes: 8MiB, backgroundCpu: low }
                comparison: { endpointIdPatterns: ["SKU-[0-9]+"], noiseRatio: 0.8, noiseMinSamples: 50, noiseMaxPaths: 500 }
                routes:
                  - id: orders
                    match: { pathPrefix: /api/orders }
                    legacy: legacy
                    candidate: candidate
                    mode: shadow
                    shadow: { sampleRate: 0.25, methods: [GET, post], maxBodyBytes: 64KiB, maxConcurrent: 8, timeout: 500ms }
                    circuitBreaker: { failureRateThreshold: 30, slowCallThreshold: 1s, slowCallRateThreshold: 80,
                                      waitInOpenState: 10s, slidingWindowSize: 50, minimumCalls: 10, halfOpenCalls: 2 }
                    compare:
                      ignoreHeaders: [X-Trace]
                      ignorePaths: ["$.meta.generatedAt", "$..etag"]
                      unorderedArrays: ["$.items by id"]
                      numericTolerance: 0.001
                      normalize: [ { name: uuid, pattern: "[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", replacement: "<uuid>" } ]
                      noise: { secondary: legacy }
                  - { id: rest, match: { pathPrefix: / }, legacy: legacy }
                """, "t.yaml");

        RouteConfig orders = c.routes().get(0);
        assertThat(orders.mode()).isEqualTo(RouteMode.SHADOW);
        assertThat(orders.shadow()).isEqualTo(new ShadowPolicy(0.25, java.util.Set.of("GET", "POST"), 64 * 1024, 8,
                java.util.Optional.of(Duration.ofMillis(500)), true));
        assertThat(orders.circuitBreaker()).isEqualTo(new CircuitBreakerPolicy(30, Duration.ofSeconds(1), 80,
                Duration.ofSeconds(10), 50, 10, 2));
        assertThat(orders.compare().ignoreHeaders()).containsExactly("x-trace");
        assertThat(orders.compare().ignorePaths()).hasSize(2);
        assertThat(orders.compare().unorderedArrays()).singleElement().hasToString("$.items by id");
        assertThat(orders.compare().numericTolerance()).isEqualTo(0.001);
        assertThat(orders.compare().normalize()).singleElement().satisfies(n -> assertThat(n.name()).isEqualTo("uuid"));
        assertThat(orders.compare().maxBodyBytes()).isEqualTo(64 * 1024);
        assertThat(c.shadowing()).isEqualTo(new ShadowingConfig(2, 3, 100, 8L << 20, BackgroundCpu.LOW));
        assertThat(c.comparison()).isEqualTo(new ComparisonConfig(List.of("SKU-[0-9]+"), 0.8, 50, 500));
        RouteConfig rest = c.routes().get(1);
        assertThat(rest.shadow()).isEqualTo(ShadowPolicy.defaults());
        assertThat(rest.shadow().methods()).containsExactlyInAnyOrder("GET", "HEAD", "OPTIONS");
        assertThat(rest.circuitBreaker()).isEqualTo(CircuitBreakerPolicy.defaults());
    }

    @Test
    void shouldReadAdminTokensAndRejectWeakOrDuplicateOnes() throws ConfigException {
        String base = "upstreams: { legacy: { url: http://127.0.0.1:9001 } }\n"
                + "routes: [ { id: all, match: { pathPrefix: / }, legacy: legacy } ]\n";
        ProxyConfig ok = loader.parse(base + "admin: { host: 0.0.0.0, port: 9999, tokens: [ { name: oncall, token: "
                + "abcdefghijklmnop0123 }, { name: viewer, token: zyxwvutsrqponmlk9876, readOnly: true } ] }\n", "t");

        assertThat(ok.admin()).hasValueSatisfying(a -> {
            assertThat(a.host()).isEqualTo("0.0.0.0");
            assertThat(a.port()).isEqualTo(9999);
            assertThat(a.tokens()).extracting(AdminConfig.Token::name).containsExactly("oncall", "viewer");
            assertThat(a.tokens().get(1).readOnly()).isTrue();
            assertThat(a.tokens().get(0).toString()).doesNotContain("abcdefghijklmnop0123");
        });
        assertThat(loader.parse(base, "t").admin()).contains(AdminConfig.defaults());
        assertThatThrownBy(() -> loader.parse(base + "admin: { port: 70000, tokens: [ { name: a, token: short },"
                + " { name: b, token: abcdefghijklmnop0123 }, { name: b, token: abcdefghijklmnop4567 }, { name: c },"
                + " { name: d, token: abcdefghijklmnop89ab, admin: yes } ] }\n", "t"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                        .anyMatch(x -> x.startsWith("admin.port: 70000"))
                        .anyMatch(x -> x.startsWith("admin.tokens[0].token: too short for 'a'"))
                        .anyMatch(x -> x.startsWith("admin.tokens[2].name: duplicate 'b'"))
                        .anyMatch(x -> x.startsWith("admin.tokens[3]: needs name and token"))
                        .anyMatch(x -> x.startsWith("admin.tokens[4].admin: unknown key"))
                        .allMatch(x -> !x.contains("abcdefghijklmnop"))
                        .hasSize(5));
    }

    @Test
    void shouldListEveryMistakeInShadowBreakerAndCompareSettings() {
        String broken = """
                upstreams:
                  legacy: { url: http://127.0.0.1:9001 }
                shadowing: { ioThreads: 0, extra: 1 }
                comparison: { endpointIdPatterns: ["SKU-(["], noiseRatio: 0, noiseMinSamples: 0 }
                routes:
                  - id: a
                    match: { pathPrefix: /a }
                    legacy: legacy
                    mode: shadow
                  - id: b
                    match: { pathPrefix: /b }
                    legacy: legacy
                    shadow: { sampleRate: 1.5, methods: GET, maxConcurrent: 0, timeout: never, burst: 3 }
                    circuitBreaker: { failureRateThreshold: 0, slidingWindowSize: 5, minimumCalls: 10 }
                    compare:
                      ignorePaths: ["items"]
                      unorderedArrays: ["$.items by "]
                      numericTolerance: lots
                      normalize: [ { name: bad, pattern: "([a-z" }, { pattern: "x" } ]
                      noise: { secondary: candidate }
                """;

        assertThatThrownBy(() -> loader.parse(broken, "t.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                        .anyMatch(s -> s.startsWith("shadowing.ioThreads: 0 (expected: >= 1"))
                        .anyMatch(s -> s.startsWith("shadowing.extra: unknown key"))
                        .anyMatch(s -> s.startsWith("routes[0].mode: 'shadow' needs a candidate"))
                        .anyMatch(s -> s.startsWith("routes[1].shadow.sampleRate: 1.5 (expected: >= 0 and <= 1)"))
                        .anyMatch(s -> s.startsWith("routes[1].shadow.methods: 'GET' (expected: a list"))
                        .anyMatch(s -> s.startsWith("routes[1].shadow.maxConcurrent: 0"))
                        .anyMatch(s -> s.startsWith("routes[1].shadow.timeout: 'never'"))
                        .anyMatch(s -> s.startsWith("routes[1].shadow.burst: unknown key"))
                        .anyMatch(s -> s.startsWith("routes[1].circuitBreaker.failureRateThreshold: 0"))
                        .anyMatch(s -> s.startsWith("routes[1].circuitBreaker.minimumCalls: 10 (expected: <= "))
                        .anyMatch(s -> s.startsWith("routes[1].compare.ignorePaths[0]: "))
                        .anyMatch(s -> s.startsWith("routes[1].compare.unorderedArrays[0]: "))
                        .anyMatch(s -> s.startsWith("routes[1].compare.numericTolerance: 'lots'"))
                        .anyMatch(s -> s.startsWith("routes[1].compare.normalize[0].pattern: '([a-z' is not a valid"))
                        .anyMatch(s -> s.startsWith("routes[1].compare.normalize[1]: needs name and pattern"))
                        .anyMatch(s -> s.startsWith("routes[1].compare.noise.secondary: 'candidate' (expected: legacy"))
                        .anyMatch(s -> s.startsWith("comparison.endpointIdPatterns[0]: 'SKU-([' is not a valid"))
                        .anyMatch(s -> s.startsWith("comparison.noiseRatio: 0 (expected: > 0 and <= 1)"))
                        .anyMatch(s -> s.startsWith("comparison.noiseMinSamples: 0 (expected: >= 1"))
                        .hasSize(19));
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
