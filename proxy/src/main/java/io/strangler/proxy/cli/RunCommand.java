package io.strangler.proxy.cli;

import io.strangler.proxy.StranglerProxy;
import io.strangler.proxy.shadow.DivergenceLog;
import io.strangler.proxy.config.ConfigException;
import io.strangler.proxy.config.ConfigLoader;
import io.strangler.proxy.config.ProxyConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code strangler run --config FILE}: the proxy, until SIGTERM or SIGINT, which drain it gracefully. */
@Command(name = "run", description = "Run the proxy with a config file.", mixinStandardHelpOptions = true)
public final class RunCommand implements Callable<Integer> {

    @Spec
    private CommandLine.Model.CommandSpec spec;

    /** One log line per route, endpoint and outcome at most this often; metrics count every divergence. */
    static final long DIVERGENCE_LOG_INTERVAL_MILLIS = 10_000;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "YAML config (see docs/configuration.md)")
    private Path config;

    @Option(names = "--check", description = "Validate the config, print the result and exit.")
    private boolean check;

    @Override
    public Integer call() throws InterruptedException {
        ProxyConfig cfg;
        try {
            cfg = ConfigLoader.withSystemEnv().load(config);
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(config + ": " + e.getMessage());
            return CommandLine.ExitCode.USAGE;
        }
        if (check) {
            spec.commandLine().getOut().println(config + ": OK (" + cfg.upstreams().size() + " upstreams, "
                    + cfg.routes().size() + " routes)");
            return CommandLine.ExitCode.OK;
        }
        StranglerProxy proxy;
        try {
            proxy = StranglerProxy.start(cfg, new DivergenceLog(Clock.systemUTC(), DIVERGENCE_LOG_INTERVAL_MILLIS));
        } catch (IllegalStateException e) {
            spec.commandLine().getErr().println("strangler: " + e.getMessage());
            return CommandLine.ExitCode.SOFTWARE;
        }
        spec.commandLine().getOut().println("strangler " + Version.current() + " listening on http://"
                + proxy.address().getHostString() + ":" + proxy.port() + " (" + cfg.routes().size() + " routes)");
        proxy.adminPort().ifPresent(p -> spec.commandLine().getOut().println("admin on http://"
                + cfg.admin().get().host() + ":" + p + " (/health, /metrics, /api/...)"
                + (cfg.admin().get().tokens().isEmpty() ? "; no admin.tokens configured, so /api is closed" : "")));
        spec.commandLine().getOut().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.shutdown(cfg.listen().drainTimeout());
            stopped.countDown();
        }, "strangler-shutdown"));
        stopped.await();
        return CommandLine.ExitCode.OK;
    }
}
