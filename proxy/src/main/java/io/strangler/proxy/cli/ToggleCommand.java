package io.strangler.proxy.cli;

import com.fasterxml.jackson.databind.JsonNode;
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
 * {@code strangler toggle}: flips routes, their recording and the kill switch from a terminal, through a running
 * proxy's admin API (so the change is audited like any other, with source {@code cli}).
 */
@Command(name = "toggle", description = "Show or change route modes, recording and the kill switch on a running "
        + "proxy.", mixinStandardHelpOptions = true, subcommands = {ToggleCommand.List.class, ToggleCommand.Set.class,
            ToggleCommand.Record.class, ToggleCommand.Kill.class, ToggleCommand.Revert.class,
            ToggleCommand.Audit.class})
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
        @Option(names = "--admin", defaultValue = "${env:STRANGLER_ADMIN:-http://127.0.0.1:8081}", paramLabel = "URL",
                description = "The proxy's admin address (default: $STRANGLER_ADMIN, else http://127.0.0.1:8081)")
        String admin;

        @Option(names = "--token", defaultValue = "${env:STRANGLER_ADMIN_TOKEN}", paramLabel = "TOKEN",
                description = "Admin token (default: $STRANGLER_ADMIN_TOKEN)")
        String token;
    }

    abstract static class Call implements Callable<Integer> {
        private static final ObjectMapper JSON = new ObjectMapper();

        @CommandLine.Mixin
        Target target = new Target();

        @Option(names = "--json", description = "Print the admin API's JSON answer instead of a summary")
        boolean json;

        @Spec
        CommandLine.Model.CommandSpec spec;

        private HttpClient client;
        private URI base;

        abstract HttpRequest.Builder request(URI base) throws Exception;

        /** A readable summary of the API's answer, for people at a terminal. */
        abstract String summary(JsonNode answer);

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (target.token == null || target.token.isBlank()) {
                err.println("strangler toggle: no admin token (--token, or STRANGLER_ADMIN_TOKEN)");
                return CommandLine.ExitCode.USAGE;
            }
            base = URI.create(target.admin.endsWith("/") ? target.admin : target.admin + "/");
            client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> res;
            try {
                res = send(request(base));
            } catch (ConnectException e) {
                err.println("strangler toggle: cannot reach " + base + " (is the proxy running, and admin on?)");
                return CommandLine.ExitCode.SOFTWARE;
            } catch (Refused e) {
                err.println("strangler toggle: " + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            if (res.statusCode() >= 400) {
                err.println("strangler toggle: " + res.statusCode() + " " + res.body().trim());
                return res.statusCode() >= 500 ? CommandLine.ExitCode.SOFTWARE : CommandLine.ExitCode.USAGE;
            }
            out.print(json ? res.body() : summary(JSON.readTree(res.body())));
            out.flush();
            return CommandLine.ExitCode.OK;
        }

        /** Sends one admin API call with this command's token; usable from {@link #request} for a lookup first. */
        HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
            return client.send(request.timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + target.token)
                    .header("X-Strangler-Source", "cli").build(), HttpResponse.BodyHandlers.ofString());
        }

        static JsonNode parse(String body) throws Exception {
            return JSON.readTree(body);
        }

        static HttpRequest.BodyPublisher body(ObjectNode n) throws Exception {
            return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(n));
        }

        static ObjectNode object() {
            return JSON.createObjectNode();
        }
    }

    /** A lookup the command needs first was refused; the message says why. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    @Command(name = "list", description = "Every route's mode, pilot users and recording, and the kill switch.",
            mixinStandardHelpOptions = true)
    static final class List extends Call {
        @Override
        HttpRequest.Builder request(URI base) {
            return HttpRequest.newBuilder(base.resolve("api/toggles")).GET();
        }

        @Override
        String summary(JsonNode answer) {
            return ToggleText.toggles(answer);
        }
    }

    /** A change: it needs a reason for the audit log and answers with what changed and the state now. */
    abstract static class Change extends Call {
        @Option(names = "--reason", required = true, description = "Why (goes to the audit log)")
        String reason;

        @Override
        String summary(JsonNode answer) {
            return ToggleText.changed(answer);
        }
    }

    @Command(name = "set", description = "Set a route's mode (and pilot users and percentage).",
            mixinStandardHelpOptions = true)
    static final class Set extends Change {
        @Parameters(index = "0", paramLabel = "ROUTE")
        String route;

        @Option(names = "--mode", required = true, description = "legacy, shadow, pilot or candidate")
        String mode;

        @Option(names = "--users", split = ",", paramLabel = "ID[,ID...]", description = "Pilot user ids")
        String[] users;

        @Option(names = "--percentage", paramLabel = "0-100", description = "Sticky share of pilot users")
        Double percentage;

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

    @Command(name = "record", description = "Start (or with --off stop) recording a route's traffic for replay.",
            mixinStandardHelpOptions = true)
    static final class Record extends Change {
        @Parameters(index = "0", paramLabel = "ROUTE")
        String route;

        @Option(names = "--off", description = "Stop recording (default: start)")
        boolean off;

        @Override
        HttpRequest.Builder request(URI base) throws Exception {
            return HttpRequest.newBuilder(base.resolve("api/toggles/" + route + "/record"))
                    .PUT(body(object().put("on", !off).put("reason", reason)));
        }

    }

    @Command(name = "kill", description = "Turn the kill switch on (everything to legacy) or off.",
            mixinStandardHelpOptions = true)
    static final class Kill extends Change {
        @Option(names = "--off", description = "Turn it off again (default: on)")
        boolean off;

        @Override
        HttpRequest.Builder request(URI base) throws Exception {
            return HttpRequest.newBuilder(base.resolve("api/kill-switch"))
                    .POST(body(object().put("on", !off).put("reason", reason)));
        }

    }

    @Command(name = "revert", description = "Undo an audited change (an id from `toggle audit`, or `last`).",
            mixinStandardHelpOptions = true)
    static final class Revert extends Change {
        @Parameters(index = "0", paramLabel = "AUDIT_ID|last",
                description = "The audit entry to undo; `last` is the newest entry (whoever made it)")
        String auditId;

        @Override
        HttpRequest.Builder request(URI base) throws Exception {
            long id;
            if (auditId.equalsIgnoreCase("last")) {
                HttpResponse<String> latest = send(HttpRequest.newBuilder(base.resolve("api/audit?limit=1")).GET());
                JsonNode entries = latest.statusCode() == 200 ? parse(latest.body()).path("entries") : null;
                if (entries == null || entries.isEmpty()) {
                    throw new Refused(latest.statusCode() == 200 ? "the audit log is empty: nothing to revert"
                            : "cannot read the audit log: " + latest.statusCode() + " " + latest.body().trim());
                }
                id = entries.get(0).path("id").asLong();
            } else {
                try {
                    id = Long.parseLong(auditId.trim());
                } catch (NumberFormatException e) {
                    throw new Refused("AUDIT_ID: expected a number from `strangler toggle audit`, or `last`, got '"
                            + auditId + "'");
                }
            }
            return HttpRequest.newBuilder(base.resolve("api/toggles/revert"))
                    .POST(body(object().put("auditId", id).put("reason", reason)));
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

        @Override
        String summary(JsonNode answer) {
            return ToggleText.audit(answer.path("entries"));
        }
    }
}
