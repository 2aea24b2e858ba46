package io.strangler.proxy;

import io.strangler.proxy.cli.DemoCommand;
import io.strangler.proxy.cli.ReplayCommand;
import io.strangler.proxy.cli.ReportCommand;
import io.strangler.proxy.cli.RunCommand;
import io.strangler.proxy.cli.ToggleCommand;
import io.strangler.proxy.cli.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code strangler} command line. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad config. */
@Command(name = "strangler", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Reverse proxy for replacing a legacy HTTP system piece by piece.",
        subcommands = {RunCommand.class, DemoCommand.class, ReportCommand.class, ToggleCommand.class,
            ReplayCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Netty's leak detector samples buffers and records stack traces for them even at its default level: a
        // debugging aid with a cost on every request. Off in production unless asked for
        // (STRANGLER_JAVA_OPTS=-Dio.netty.leakDetection.level=simple); every test runs with it at paranoid.
        // Set before any Netty buffer class is loaded, which happens only once a command runs.
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        System.exit(newCommandLine().execute(args));
    }

    /** The configured command line, for {@code main} and for tests that capture its output. */
    public static CommandLine newCommandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
