package io.strangler.proxy.cli;

import io.strangler.comparator.CompareRules;
import io.strangler.proxy.StranglerProxy;
import io.strangler.proxy.config.AdminConfig;
import io.strangler.proxy.config.CircuitBreakerPolicy;
import io.strangler.proxy.config.ComparisonConfig;
import io.strangler.proxy.config.ListenConfig;
import io.strangler.proxy.config.PilotConfig;
import io.strangler.proxy.config.ProxyConfig;
import io.strangler.proxy.config.RouteConfig;
import io.strangler.proxy.config.RouteMode;
import io.strangler.proxy.config.ShadowPolicy;
import io.strangler.proxy.config.ShadowingConfig;
import io.strangler.proxy.config.StoreConfig;
import io.strangler.proxy.config.UpstreamConfig;
import io.strangler.proxy.demo.DemoBackend;
import io.strangler.proxy.shadow.DivergenceLog;
import io.strangler.toggles.UserSource;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code strangler demo}: a demo legacy and candidate shop API on loopback, the proxy in front of them, and the
 * URLs to try. Runs until Ctrl+C.
 */
@Command(name = "demo", description = "Start a demo legacy and candidate system with the proxy in front.",
        mixinStandardHelpOptions = true)
public final class DemoCommand implements Callable<Integer> {

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", defaultValue = "8080", description = "Proxy port (default: ${DEFAULT-VALUE}; 0 = any)")
    private int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Proxy bind address (default: "
            + "${DEFAULT-VALUE})")
    private String host;

    /** The demo logs a divergence per endpoint at most this often, so each one shows up soon after a request. */
    private static final long DIVERGENCE_LOG_INTERVAL_MILLIS = 2_000;

    /** The demo's own embedded store, apart from a real config's default one. */
    static final String DEMO_STORE_URL = "jdbc:h2:file:./strangler-data/demo";

    /** The demo's admin token: printed at start; a demo on loopback has nothing to protect. */
    static final String DEMO_TOKEN = "demo-" + java.util.HexFormat.of().formatHex(randomBytes(12));

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }

    /** The running demo; close it to stop everything. */
    public record Demo(StranglerProxy proxy, DemoBackend legacy, DemoBackend candidate) implements AutoCloseable {
        @Override
        public void close() {
            proxy.shutdown(Duration.ofSeconds(2));
            legacy.close();
            candidate.close();
        }
    }

    /** Starts the demo services and the proxy; {@code proxyPort} 0 picks a free port. */
    public static Demo start(String host, int proxyPort) {
        DemoBackend legacy = DemoBackend.start(DemoBackend.Flavor.LEGACY, Clock.systemUTC());
        DemoBackend candidate = DemoBackend.start(DemoBackend.Flavor.CANDIDATE, Clock.systemUTC());
        try {
            StranglerProxy proxy = StranglerProxy.start(config(host, proxyPort, legacy.port(), candidate.port()),
                    new DivergenceLog(Clock.systemUTC(), DIVERGENCE_LOG_INTERVAL_MILLIS));
            // The demo's store keeps toggle state between runs; every demo starts from shadow mode, kill switch off.
            proxy.toggles().setKillSwitch(false);
            for (String route : proxy.toggles().routes()) {
                proxy.toggles().set(route, io.strangler.toggles.RouteState.of(io.strangler.toggles.Mode.SHADOW));
            }
            return new Demo(proxy, legacy, candidate);
        } catch (RuntimeException e) {
            legacy.close();
            candidate.close();
            throw e;
        }
    }

    static ProxyConfig config(String host, int proxyPort, int legacyPort, int candidatePort) {
        Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
        upstreams.put("legacy", UpstreamConfig.of("legacy", "127.0.0.1", legacyPort));
        upstreams.put("candidate", UpstreamConfig.of("candidate", "127.0.0.1", candidatePort));
        List<RouteConfig> routes = List.of(
                route("items", "/api/items", Set.of("GET", "HEAD")),
                route("orders", "/api/orders", Set.of("GET", "HEAD", "POST")),
                route("time", "/api/time", Set.of()));
        return new ProxyConfig(ListenConfig.defaults().withHost(host).withPort(proxyPort), upstreams, routes,
                ShadowingConfig.defaults(), ComparisonConfig.defaults(),
                Optional.of(StoreConfig.defaults().withUrl(DEMO_STORE_URL)),
                Optional.of(AdminConfig.defaults().withListen(host, proxyPort == 0 ? 0 : proxyPort + 1)
                        .withTokens(List.of(new AdminConfig.Token("demo", DEMO_TOKEN, false)))));
    }

    private static RouteConfig route(String id, String prefix, Set<String> methods) {
        return new RouteConfig(id, prefix, methods, Optional.empty(), "legacy", Optional.of("candidate"),
                RouteMode.SHADOW, false, true, ShadowPolicy.defaults(), CircuitBreakerPolicy.defaults(),
                CompareRules.defaults(), new PilotConfig(Optional.of(UserSource.parse("header:X-User-Id")),
                        Set.of("alice"), 0, Optional.of("X-Pilot"), "on"), false);
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Demo demo;
        try {
            demo = start(host, port);
        } catch (IllegalStateException e) {
            spec.commandLine().getErr().println("strangler demo: " + e.getMessage()
                    + (port != 0 ? " (is another demo running? try --port 0 for any free port)" : ""));
            return CommandLine.ExitCode.SOFTWARE;
        }
        String base = "http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + demo.proxy().port();
        out.println("Strangler demo is running.");
        out.println("  proxy:     " + base);
        out.println("  legacy:    http://127.0.0.1:" + demo.legacy().port() + "   (demo shop API, the old system)");
        out.println("  candidate: http://127.0.0.1:" + demo.candidate().port()
                + "   (the new system, with a few deliberate differences)");
        out.println("  routes:    items -> /api/items, orders -> /api/orders, time -> /api/time");
        out.println("             all in shadow mode: served by legacy, GET/HEAD/OPTIONS copied to the candidate");
        out.println();
        out.println("Try:");
        out.println("  curl -i " + base + "/api/items/3      (the candidate has a different price: a divergence)");
        out.println("  curl -i " + base + "/api/items        (the candidate adds a field and takes 300 ms longer;"
                + " you still get legacy's answer at once)");
        out.println("  curl -i -X POST -H 'Content-Type: application/json' -d '{\"item\":3,\"qty\":2}' " + base
                + "/api/orders   (POST is not shadowed)");
        demo.proxy().adminPort().ifPresent(p -> {
            String admin = "http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + p;
            out.println("  admin:     " + admin + "/metrics, and the API with the token " + DEMO_TOKEN + ":");
            out.println("             curl -H 'Authorization: Bearer " + DEMO_TOKEN + "' '" + admin
                    + "/api/report?format=md'");
        });
        out.println();
        out.println("Divergences and shadow failures are logged below as they are found.");
        out.println("Press Ctrl+C to stop.");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            demo.close();
            stopped.countDown();
        }, "strangler-demo-shutdown"));
        stopped.await();
        return CommandLine.ExitCode.OK;
    }
}
