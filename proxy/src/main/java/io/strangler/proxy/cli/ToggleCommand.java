package io.strangler.proxy.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code strangler toggle}: flips routes and the kill switch from a terminal, through a running proxy's admin API
 * (so the change is audited like any other, with source {@code cli}).
 */
@Command(name = "toggle", description = "Show or change route modes and the kill switch on a running proxy.",
        mixinStandardHelpOptions = true, subcommands = {ToggleCommand.List.class, ToggleCommand.Set.class,
            ToggleCommand.Kill.class, ToggleCommand.Revert.class, ToggleCommand.Audit.class})
public final class ToggleCommand implements Callable<Integer> {

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return CommandLine.ExitCode.USAGE;
    }

    /** Where and who: shared by every subcommand. */
    static final class Target {
        @Option(names = "--admin", defaultValue = "http://127.0.0.1:8081", paramLabel = "URL",
                description = "The proxy's admin address (default: ${DEFAULT-VALUE})")
        String admin;

        @Option(names = "--token", defaultValue = "${env:STRANGLER_ADMIN_TOKEN}", paramLabel = "TOKEN",
                description = "Admin token (default: $STRANGLER_ADMIN_TOKEN)")
        String token;
    }

    abstract static class Call implements Callable<Integer> {
        private static final ObjectMapper JSON = new ObjectMapper();

        @CommandLine.Mixin
        Target target = new Target();

        @Spec
        CommandLine.Model.CommandSpec spec;

        abstract HttpRequest.Builder request(URI base) throws Exception;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (target.token == null || target.token.isBlank()) {
                err.println("strangler toggle: no admin token (--token, or STRANGLER_ADMIN_TOKEN)");
                return CommandLine.ExitCode.USAGE;
            }
            URI base = URI.create(target.admin.endsWith("/") ? target.admin : target.admin + "/");
            HttpResponse<String> res;
            try {
                res = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(request(base)
                        .timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + target.token)
                        .header("X-Strangler-Source", "cli").build(), HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException e) {
                err.println("strangler toggle: cannot reach " + base + " (is the proxy running, and admin on?)");
                return CommandLine.ExitCode.SOFTWARE;
            }
            if (res.statusCode() >= 400) {
                err.println("strangler toggle: " + res.statusCode() + " " + res.body().trim());
                return res.statusCode() >= 500 ? CommandLine.ExitCode.SOFTWARE : CommandLine.ExitCode.USAGE;
            }
            out.print(res.body());
            out.flush();
            return CommandLine.ExitCode.OK;
        }

        static HttpRequest.BodyPublisher body(ObjectNode n) throws Exception {
            return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(n));
        }

        static ObjectNode object() {
            return JSON.createObjectNode();
        }
    }

    @Command(name = "list", description = "Every route's mode and pilot users, and the kill switch.",
            mixinStandardHelpOptions = true)
    static final class List extends Call {
        @Override
        HttpRequest.Builder request(URI base) {
            return HttpRequest.newBuilder(base.resolve("api/toggles")).GET();
        }
    }

    @Command(name = "set", description = "Set a route's mode (and pilot users and percentage).",
            mixinStandardHelpOptions = true)
    static final class Set extends Call {
        @Parameters(index = "0", paramLabel = "ROUTE")
        String route;

        @Option(names = "--mode", required = true, description = "legacy, shadow, pilot or candidate")
        String mode;

        @Option(names = "--users", split = ",", paramLabel = "ID[,ID...]", description = "Pilot user ids")
        String[] users;

        @Option(names = "--percentage", paramLabel = "0-100", description = "Sticky share of pilot users")
        Double percentage;

        @Option(names = "--reason", required = true, description = "Why (goes to the audit log)")
        String reason;

        @Override
        HttpRequest.Builder request(URI base) throws Exception {
            ObjectNode b = object().put("mode", mode).put("reason", reason);
            if (users != null) {
                b.putArray("pilotUsers").addAll(Arrays.stream(users).map(u -> b.textNode(u.trim())).toList());
            }
            if (percentage != null) {
                b.put("percentage", percentage);
            }
            return HttpRequest.newBuilder(base.resolve("api/toggles/" + route)).PUT(body(b));
        }
    }

    @Command(name = "kill", description = "Turn the kill switch on (everything to legacy) or off.",
            mixinStandardHelpOptions = true)
    static final class Kill extends Call {
        @Option(names = "--off", description = "Turn it off again (default: on)")
        boolean off;

        @Option(names = "--reason", required = true, description = "Why (goes to the audit log)")
        String reason;

        @Override
        HttpRequest.Builder request(URI base) throws Exception {
            return HttpRequest.newBuilder(base.resolve("api/kill-switch"))
                    .POST(body(object().put("on", !off).put("reason", reason)));
        }
    }

    @Command(name = "revert", description = "Undo an audited change.", mixinStandardHelpOptions = true)
    static final class Revert extends Call {
        @Parameters(index = "0", paramLabel = "AUDIT_ID")
        long auditId;

        @Option(names = "--reason", required = true, description = "Why (goes to the audit log)")
        String reason;

        @Override
        HttpRequest.Builder request(URI base) throws Exception {
            return HttpRequest.newBuilder(base.resolve("api/toggles/revert"))
                    .POST(body(object().put("auditId", auditId).put("reason", reason)));
        }
    }

    @Command(name = "audit", description = "The latest toggle changes.", mixinStandardHelpOptions = true)
    static final class Audit extends Call {
        @Option(names = "--limit", defaultValue = "20", description = "How many (default: ${DEFAULT-VALUE})")
        int limit;

        @Override
        HttpRequest.Builder request(URI base) {
            return HttpRequest.newBuilder(base.resolve("api/audit?limit=" + limit)).GET();
        }
    }
}
