package io.strangler.loadtests;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * nginx or HAProxy from the Debian packages, as a plain reverse proxy to one backend with one worker (thread), for
 * comparison. Each runs in the foreground from a generated config in a temporary directory; when the binary is not
 * installed, {@link #start} says so and the scenario skips it.
 */
final class Peer implements AutoCloseable {

    enum Kind {
        NGINX("/usr/sbin/nginx", "apt-get install -y nginx-light"),
        HAPROXY("/usr/sbin/haproxy", "apt-get install -y haproxy");

        final String binary;
        final String install;

        Kind(String binary, String install) {
            this.binary = binary;
            this.install = install;
        }
    }

    private final Process process;
    private final Path dir;
    private final int port;

    private Peer(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** Starts {@code kind} in front of the backend; pinned to {@code cpus} with taskset when given. */
    static Optional<Peer> start(Kind kind, int backendPort, Optional<String> cpus)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(kind.binary))) {
            System.out.println(kind + " skipped: " + kind.binary + " is not installed (" + kind.install + ")");
            return Optional.empty();
        }
        Path dir = Files.createTempDirectory("strangler-bench-" + kind.name().toLowerCase());
        int port = freePort();
        List<String> cmd;
        if (kind == Kind.NGINX) {
            cmd = nginxCommand(dir, nginx(dir, port, "upstream backend { server 127.0.0.1:" + backendPort
                    + "; keepalive 64; keepalive_requests 10000000; }\n", "proxy_pass http://backend;\n"
                    + "      proxy_http_version 1.1;\n"
                    + "      proxy_set_header Connection \"\";\n"));
        } else {
            Path conf = dir.resolve("haproxy.cfg");
            Files.writeString(conf, haproxy(port, backendPort));
            cmd = List.of(kind.binary, "-db", "-f", conf.toString());
        }
        return Optional.of(launch(kind.toString(), dir, cmd, port, cpus));
    }

    /**
     * nginx with one worker as the backend itself, answering every request at once with {@code body} as
     * {@code application/json}: a backend in C, so that the proxies in front of it are what runs out of CPU first.
     */
    static Optional<Peer> nginxBackend(String body) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(Kind.NGINX.binary))) {
            System.out.println("nginx backend unavailable: " + Kind.NGINX.binary + " is not installed ("
                    + Kind.NGINX.install + ")");
            return Optional.empty();
        }
        if (body.contains("'") || body.contains("\\")) {
            throw new IllegalArgumentException("the backend body must not contain quotes or backslashes: " + body);
        }
        Path dir = Files.createTempDirectory("strangler-bench-nginx-backend");
        int port = freePort();
        List<String> cmd = nginxCommand(dir, nginx(dir, port, "", "default_type application/json;\n"
                + "      return 200 '" + body + "';\n"));
        return Optional.of(launch("nginx backend", dir, cmd, port, Optional.empty()));
    }

    private static List<String> nginxCommand(Path dir, String config) throws IOException {
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config);
        return List.of(Kind.NGINX.binary, "-p", dir.toString(), "-c", conf.toString(), "-e",
                dir.resolve("error.log").toString());
    }

    private static Peer launch(String name, Path dir, List<String> cmd, int port, Optional<String> cpus)
            throws IOException, InterruptedException {
        if (cpus.isPresent()) {
            List<String> pinned = new java.util.ArrayList<>(List.of("taskset", "-c", cpus.get()));
            pinned.addAll(cmd);
            cmd = pinned;
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("output.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!listening(port)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException(name + " did not start; see " + dir.resolve("output.log"));
            }
            Thread.sleep(50);
        }
        return new Peer(p, dir, port);
    }

    /**
     * One worker, no access log, and keep-alive connections to clients that are never cut (nginx's default closes
     * one after 1,000 requests; Strangler does not); {@code upstream} and {@code location} say what it serves
     * (upstream keep-alive when it proxies).
     */
    private static String nginx(Path dir, int port, String upstream, String location) {
        return "worker_processes 1;\n"
                + "daemon off;\n"
                + "master_process on;\n"
                + "pid " + dir.resolve("nginx.pid") + ";\n"
                + "events { worker_connections 4096; }\n"
                + "http {\n"
                + "  access_log off;\n"
                + "  client_body_temp_path " + dir.resolve("body") + ";\n"
                + "  proxy_temp_path " + dir.resolve("proxy") + ";\n"
                + "  keepalive_requests 10000000;\n"
                + "  keepalive_timeout 75s;\n"
                + "  " + upstream
                + "  server {\n"
                + "    listen 127.0.0.1:" + port + ";\n"
                + "    location / {\n"
                + "      " + location
                + "    }\n"
                + "  }\n"
                + "}\n";
    }

    /** One thread, keep-alive both ways with server connections reused across clients. */
    private static String haproxy(int port, int backendPort) {
        return "global\n"
                + "  nbthread 1\n"
                + "  maxconn 4096\n"
                + "defaults\n"
                + "  mode http\n"
                + "  timeout connect 5s\n"
                + "  timeout client 60s\n"
                + "  timeout server 60s\n"
                + "  option http-keep-alive\n"
                + "  http-reuse always\n"
                + "frontend in\n"
                + "  bind 127.0.0.1:" + port + "\n"
                + "  default_backend out\n"
                + "backend out\n"
                + "  server backend 127.0.0.1:" + backendPort + "\n";
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws IOException {
        // nginx's master stops its worker on SIGTERM; HAProxy in -db mode stops on it too.
        ProxyProcess.stop(process);
        Bench.deleteTree(dir);
    }
}
