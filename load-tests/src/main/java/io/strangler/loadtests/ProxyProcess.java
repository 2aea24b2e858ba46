package io.strangler.loadtests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real Strangler jar as a separate process (as users run it), with a generated config: benchmarks measure it
 * from outside, with their own JVM's load generator not sharing its heap or JIT.
 */
final class ProxyProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on http://([^:]+):(\\d+)");
    private static final Pattern OUTCOMES = Pattern.compile("^strangler_shadow_outcomes_total\\{(.*)\\} (\\S+)$",
            Pattern.MULTILINE);
    private static final Pattern TAG = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final Process process;
    private final Path config;
    private final int port;

    private ProxyProcess(Process process, Path config, int port) {
        this.process = process;
        this.config = config;
        this.port = port;
    }

    /**
     * A private copy of the jar from {@code --jar} (default: the build output), deleted when the benchmark exits;
     * exits with a message when the jar is missing. A copy, because a build during a long run (a soak) replaces the
     * jar under the running proxy, which then fails to load its next class.
     */
    static Path jar(String given) {
        Path jar = Path.of(given == null ? "proxy/target/strangler.jar" : given);
        if (!Files.isRegularFile(jar)) {
            System.err.println(jar + " not found: build it with mvn -B -ntp -DskipTests package");
            System.exit(1);
        }
        try {
            Path copy = Files.createTempFile("strangler-bench-", ".jar");
            Files.copy(jar, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            copy.toFile().deleteOnExit();
            return copy;
        } catch (IOException e) {
            System.err.println("cannot copy " + jar + ": " + e.getMessage());
            System.exit(1);
            return jar;
        }
    }

    /**
     * Starts {@code jar run --config <yaml>} with the checkout's {@code jvm.options} and then {@code jvmArgs} (which
     * win), and waits until it listens; with
     * {@code --proxy-cpus LIST} in {@code opt}, pinned to those CPUs with {@code taskset} (run the benchmark itself
     * under {@code taskset -c <the others>} to keep the load generator and backends off them).
     */
    static ProxyProcess start(Path jar, String yaml, List<String> jvmArgs, java.util.Map<String, String> opt)
            throws IOException {
        Path config = Files.createTempFile("strangler-bench", ".yaml");
        Files.writeString(config, yaml);
        List<String> cmd = new ArrayList<>();
        String cpus = opt.get("proxy-cpus");
        if (cpus != null) {
            cmd.addAll(List.of("taskset", "-c", cpus));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The JVM options `./strangler run` uses, so that the benchmarks measure the proxy as users run it.
        Path options = Path.of("jvm.options").toAbsolutePath();
        if (Files.isRegularFile(options)) {
            cmd.add("@" + options);
        } else {
            System.err.println("note: no " + options + " (run the benchmarks from the checkout): the proxy runs with "
                    + "the JVM's defaults");
        }
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-jar", jar.toString(), "run", "--config", config.toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            return new ProxyProcess(p, config, awaitPort(p));
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            Files.deleteIfExists(config);
            throw e;
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** Resident set size in bytes from /proc (Linux), or -1 where there is no /proc. */
    long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /**
     * The proxy's shadow outcome counters for one route, from its admin listener's {@code /metrics} (default port
     * 8081): "outcome/reason" to count, e.g. {@code diverged/diverged} or {@code skipped/bulkhead_full}.
     */
    java.util.Map<String, Double> shadowOutcomes(String route) throws IOException, InterruptedException {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        String text = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:8081/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        java.util.Map<String, Double> counts = new java.util.TreeMap<>();
        Matcher m = OUTCOMES.matcher(text);
        while (m.find()) {
            java.util.Map<String, String> tags = new java.util.HashMap<>();
            Matcher t = TAG.matcher(m.group(1));
            while (t.find()) {
                tags.put(t.group(1), t.group(2));
            }
            if (route.equals(tags.get("route"))) {
                counts.merge(tags.get("outcome") + "/" + tags.get("reason"), Double.parseDouble(m.group(2)),
                        Double::sum);
            }
        }
        return counts;
    }

    private static int awaitPort(Process proxy) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(proxy.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                int port = Integer.parseInt(m.group(2));
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // keep the pipe empty
                        }
                    } catch (IOException ignored) {
                        // the proxy went away
                    }
                }, "proxy-stdout");
                drain.setDaemon(true);
                drain.start();
                return port;
            }
        }
        throw new IllegalStateException("the proxy exited before it listened");
    }

    @Override
    public void close() throws IOException {
        stop(process);
        Files.deleteIfExists(config);
    }

    /** SIGTERM, then SIGKILL if it is still there after ten seconds. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
