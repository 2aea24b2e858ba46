package io.strangler.proxy.cli;

import io.strangler.comparator.CompareRules;
import io.strangler.proxy.toggle.ToggleService;
import io.strangler.proxy.StranglerProxy;
import io.strangler.proxy.config.AdminConfig;
import io.strangler.proxy.config.CircuitBreakerPolicy;
import io.strangler.proxy.config.ComparisonConfig;
import io.strangler.proxy.config.ListenConfig;
import io.strangler.proxy.config.PilotConfig;
import io.strangler.proxy.config.ProxyConfig;
import io.strangler.proxy.config.RecordPolicy;
import io.strangler.proxy.config.RouteConfig;
import io.strangler.proxy.config.RouteMode;
import io.strangler.proxy.config.ShadowPolicy;
import io.strangler.proxy.config.ShadowingConfig;
import io.strangler.proxy.config.StoreConfig;
import io.strangler.proxy.config.UpstreamConfig;
import io.strangler.proxy.demo.DemoBackend;
import io.strangler.proxy.demo.DemoTraffic;
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

    @Option(names = "--traffic", defaultValue = "20", paramLabel = "N", description = "Send N requests/s of demo "
            + "traffic through the proxy so the dashboard has live data (default: ${DEFAULT-VALUE}; 0 = none)")
    private double traffic;

    @Option(names = "--no-browser", description = "Do not open the dashboard in a browser")
    private boolean noBrowser;

    /** The demo logs a divergence per endpoint at most this often, so each one shows up soon after a request. */
    private static final long DIVERGENCE_LOG_INTERVAL_MILLIS = 2_000;
    /** With generated traffic every endpoint diverges all the time: log each one less often. */
    private static final long DIVERGENCE_LOG_INTERVAL_WITH_TRAFFIC_MILLIS = 60_000;
    /** Requests sent at once before the demo says it is ready, so the dashboard opens onto numbers. */
    private static final int WARM_UP_REQUESTS = 150;

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
        return start(host, proxyPort, DIVERGENCE_LOG_INTERVAL_MILLIS);
    }

    private static Demo start(String host, int proxyPort, long divergenceLogMillis) {
        return start(host, proxyPort, divergenceLogMillis, DEMO_STORE_URL);
    }

    /** Like {@link #start(String, int)} with a store of its own (for tools that must not touch the demo's). */
    static Demo start(String host, int proxyPort, long divergenceLogMillis, String storeUrl) {
        DemoBackend legacy = DemoBackend.start(DemoBackend.Flavor.LEGACY, Clock.systemUTC());
        DemoBackend candidate = DemoBackend.start(DemoBackend.Flavor.CANDIDATE, Clock.systemUTC());
        try {
            StranglerProxy proxy = StranglerProxy.start(config(host, proxyPort, legacy.port(), candidate.port())
                            .withStore(Optional.of(StoreConfig.defaults().withUrl(storeUrl))),
                    new DivergenceLog(Clock.systemUTC(), divergenceLogMillis));
            resetToggles(proxy, config(host, proxyPort, legacy.port(), candidate.port()));
            return new Demo(proxy, legacy, candidate);
        } catch (RuntimeException e) {
            legacy.close();
            candidate.close();
            throw e;
        }
    }

    /**
     * The demo's store keeps toggle state between runs, so every demo starts over from the config's state (shadow,
     * alice as the pilot user ready for a flip to pilot, kill switch off); what it changes is audited like any flip.
     */
    private static void resetToggles(StranglerProxy proxy, ProxyConfig config) {
        String why = "demo start: back to the demo's initial state";
        try {
            if (proxy.toggles().killSwitch()) {
                proxy.toggleService().killSwitch("demo", "demo", false, why);
            }
            for (RouteConfig r : config.routes()) {
                io.strangler.toggles.RouteState now = proxy.toggles().state(r.id());
                if (now.mode() != io.strangler.toggles.Mode.SHADOW || !now.users().equals(r.pilot().users())
                        || now.percentage() != r.pilot().percentage()) {
                    proxy.toggleService().set("demo", "demo", r.id(), "shadow", Optional.of(r.pilot().users()),
                            Optional.of(r.pilot().percentage()), why);
                }
            }
        } catch (ToggleService.Refused | java.sql.SQLException e) {
            proxy.close();
            throw new IllegalStateException("cannot reset the demo's toggles: " + e.getMessage(), e);
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
                        Set.of("alice"), 0, Optional.of("X-Pilot"), "on"), false, RecordPolicy.off());
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Demo demo;
        try {
            demo = start(host, port, traffic > 0 ? DIVERGENCE_LOG_INTERVAL_WITH_TRAFFIC_MILLIS
                    : DIVERGENCE_LOG_INTERVAL_MILLIS);
        } catch (IllegalStateException e) {
            spec.commandLine().getErr().println("strangler demo: " + e.getMessage()
                    + (port != 0 ? " (is another demo running? try --port 0 for any free port)" : ""));
            return CommandLine.ExitCode.SOFTWARE;
        }
        String base = "http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + demo.proxy().port();
        DemoTraffic generator = null;
        if (traffic > 0) {
            generator = DemoTraffic.start(base, traffic, WARM_UP_REQUESTS);
            generator.awaitWarmUp(Duration.ofSeconds(20));
        }
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
        String admin = "http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":"
                + demo.proxy().adminPort().orElseThrow();
        out.println("  admin:     " + admin + "/metrics, and the API with the token " + DEMO_TOKEN + ":");
        out.println("             curl -H 'Authorization: Bearer " + DEMO_TOKEN + "' '" + admin
                + "/api/report?format=md'");
        out.println();
        out.println("Dashboard:   " + admin + "/dashboard/");
        out.println("  sign in with the admin token " + DEMO_TOKEN);
        out.println(traffic > 0 ? "  " + fmt(traffic) + " requests/s of demo traffic are flowing through the proxy "
                + "(--traffic 0 to stop that)." : "  no demo traffic (--traffic 0): send some with the curl lines above.");
        if (!noBrowser && openBrowser(admin + "/dashboard/")) {
            out.println("  opened in your browser.");
        }
        out.println();
        out.println("Divergences and shadow failures are logged below as they are found.");
        out.println("Press Ctrl+C to stop.");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        DemoTraffic sending = generator;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (sending != null) {
                sending.close();
            }
            demo.close();
            stopped.countDown();
        }, "strangler-demo-shutdown"));
        stopped.await();
        return CommandLine.ExitCode.OK;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** Opens the URL with the desktop's browser when there is a desktop; false when there is none or it fails. */
    private static boolean openBrowser(String url) {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        List<String> command;
        if (os.contains("mac")) {
            command = List.of("open", url);
        } else if (os.contains("win")) {
            command = List.of("rundll32", "url.dll,FileProtocolHandler", url);
        } else if (System.getenv("DISPLAY") != null || System.getenv("WAYLAND_DISPLAY") != null) {
            command = List.of("xdg-open", url);
        } else {
            return false;
        }
        try {
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
