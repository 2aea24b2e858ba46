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

    /** Starts the peer in front of {@code backendPort}; empty (with a message printed) when it is not installed. */
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
            Path conf = dir.resolve("nginx.conf");
            Files.writeString(conf, nginx(dir, port, backendPort));
            cmd = List.of(kind.binary, "-p", dir.toString(), "-c", conf.toString(), "-e", dir.resolve("error.log")
                    .toString());
        } else {
            Path conf = dir.resolve("haproxy.cfg");
            Files.writeString(conf, haproxy(port, backendPort));
            cmd = List.of(kind.binary, "-db", "-f", conf.toString());
        }
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
                throw new IllegalStateException(kind + " did not start; see " + dir.resolve("output.log"));
            }
            Thread.sleep(50);
        }
        return Optional.of(new Peer(p, dir, port));
    }

    /**
     * One worker, upstream keep-alive, no access log, and keep-alive connections to clients that are never cut
     * (nginx's default closes one after 1,000 requests; Strangler does not).
     */
    private static String nginx(Path dir, int port, int backendPort) {
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
                + "  upstream backend { server 127.0.0.1:" + backendPort + "; keepalive 64;"
                + " keepalive_requests 10000000; }\n"
                + "  server {\n"
                + "    listen 127.0.0.1:" + port + ";\n"
                + "    location / {\n"
                + "      proxy_pass http://backend;\n"
                + "      proxy_http_version 1.1;\n"
                + "      proxy_set_header Connection \"\";\n"
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
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
