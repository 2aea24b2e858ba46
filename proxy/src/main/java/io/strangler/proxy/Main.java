package io.strangler.proxy;

import io.strangler.proxy.cli.DemoCommand;
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
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
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
