package io.strangler.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's own view of TCP connections (Linux {@code /proc/net/tcp} and {@code tcp6}), for counting connections without
 * trusting either end's bookkeeping: a socket the proxy has closed is no longer ESTABLISHED on its side, however
 * late the server notices.
 */
public final class TcpTable {

    private static final Path TCP = Path.of("/proc/net/tcp");
    // Native transports open dual-stack sockets, so IPv4 connections can show up here as ::ffff:127.0.0.1.
    private static final Path TCP6 = Path.of("/proc/net/tcp6");
    private static final String ESTABLISHED = "01";

    private TcpTable() {
    }

    public static boolean available() {
        return Files.isReadable(TCP);
    }

    /**
     * Connections in state ESTABLISHED whose remote end is {@code remotePort}: the client ends, each counted once.
     * The kernel writes these tables while connections come and go, and a read of a table takes several system
     * calls, so one read can list the same socket twice; a connection is therefore counted by its local address.
     */
    public static int establishedTo(int remotePort) {
        java.util.Set<String> local = new java.util.HashSet<>();
        collect(TCP, remotePort, local);
        if (Files.isReadable(TCP6)) {
            collect(TCP6, remotePort, local);
        }
        return local.size();
    }

    private static void collect(Path table, int remotePort, java.util.Set<String> local) {
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String port = String.format(":%04X", remotePort);
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length > 3 && f[2].endsWith(port) && f[3].equals(ESTABLISHED)) {
                local.add(f[1]);
            }
        }
    }
}
