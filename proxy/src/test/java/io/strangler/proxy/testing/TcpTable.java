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

    /** Connections in state ESTABLISHED whose remote end is {@code remotePort}: the client ends. */
    public static int establishedTo(int remotePort) {
        return count(TCP, remotePort) + (Files.isReadable(TCP6) ? count(TCP6, remotePort) : 0);
    }

    private static int count(Path table, int remotePort) {
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String port = String.format(":%04X", remotePort);
        int n = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length > 3 && f[2].endsWith(port) && f[3].equals(ESTABLISHED)) {
                n++;
            }
        }
        return n;
    }
}
