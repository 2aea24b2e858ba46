package io.strangler.proxy.cli;

import io.strangler.proxy.config.ConfigException;
import io.strangler.proxy.config.ConfigLoader;
import io.strangler.proxy.config.Quantities;
import io.strangler.proxy.config.StoreConfig;
import io.strangler.proxy.report.Report;
import io.strangler.proxy.report.ReportBuilder;
import io.strangler.proxy.report.ReportRenderer;
import io.strangler.proxy.store.StoreDatabase;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code strangler report}: the divergences the store holds, as Markdown (the default; fits a pull-request
 * comment), JSON, or one self-contained HTML page.
 */
@Command(name = "report", description = "Report the divergences in the store a config names (or --store URL).",
        mixinStandardHelpOptions = true)
public final class ReportCommand implements Callable<Integer> {

    enum Format { md, json, html }

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML config whose store to read")
    private Path config;

    @Option(names = "--store", paramLabel = "URL", description = "JDBC URL of the store, instead of --config")
    private String store;

    @Option(names = "--format", defaultValue = "md", description = "md, json or html (default: ${DEFAULT-VALUE})")
    private Format format;

    @Option(names = "--route", paramLabel = "ID", description = "Only this route")
    private String route;

    @Option(names = "--since", defaultValue = "24h", paramLabel = "DURATION",
            description = "How far back, e.g. 30m, 24h, 7d (default: ${DEFAULT-VALUE})")
    private String since;

    @Option(names = "--out", paramLabel = "FILE", description = "Write here instead of to standard output")
    private Path out;

    @Option(names = "--run", paramLabel = "ID", description = "One replay run (the id strangler replay printed) "
            + "instead of live traffic; --since is ignored")
    private String run;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if ((config == null) == (store == null)) {
            err.println("strangler report: give either --config FILE or --store URL");
            return CommandLine.ExitCode.USAGE;
        }
        Duration window;
        try {
            window = Quantities.parseDuration(since);
        } catch (IllegalArgumentException e) {
            err.println("strangler report: --since '" + since + "' (" + e.getMessage() + ")");
            return CommandLine.ExitCode.USAGE;
        }
        StoreConfig storeConfig;
        if (config != null) {
            try {
                storeConfig = ConfigLoader.withSystemEnv().load(config).store().orElse(StoreConfig.defaults());
            } catch (ConfigException e) {
                err.println(config + ": " + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
        } else {
            storeConfig = StoreConfig.defaults().withUrl(store);
        }
        StoreDatabase db = new StoreDatabase(storeConfig);
        ReportBuilder builder = new ReportBuilder(db, Clock.systemUTC());
        Report report;
        try {
            if (route != null) {
                Set<String> known = builder.knownRoutes();
                if (!known.contains(route)) {
                    err.println("strangler report: unknown route '" + route + "' (the store has data for: "
                            + (known.isEmpty() ? "no route yet" : String.join(", ", known)) + ")");
                    return CommandLine.ExitCode.USAGE;
                }
            }
            if (run != null) {
                report = builder.build(java.time.Instant.EPOCH, Optional.ofNullable(route),
                        ReportBuilder.Scope.run(run));
                if (report.instances().isEmpty()) {
                    err.println("strangler report: no replay run '" + run + "' in the store at " + db.describe());
                    return CommandLine.ExitCode.USAGE;
                }
            } else {
                report = builder.build(Clock.systemUTC().instant().minus(window), Optional.ofNullable(route));
            }
        } catch (SQLException e) {
            err.println("strangler report: cannot read the store at " + db.describe() + ": " + e.getMessage());
            return CommandLine.ExitCode.SOFTWARE;
        }
        String text = switch (format) {
            case md -> ReportRenderer.markdown(report);
            case json -> ReportRenderer.json(report);
            case html -> ReportRenderer.html(report);
        };
        if (out == null) {
            spec.commandLine().getOut().print(text);
            spec.commandLine().getOut().flush();
        } else {
            try {
                Files.writeString(out, text, StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("strangler report: cannot write " + out + ": " + e.getMessage());
                return CommandLine.ExitCode.SOFTWARE;
            }
            spec.commandLine().getOut().println("wrote " + out);
        }
        return CommandLine.ExitCode.OK;
    }
}
