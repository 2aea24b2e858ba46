package io.strangler.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client on a plain socket, for what real clients refuse to send: malformed requests, oversized
 * headers, slowloris trickles, pipelining. It parses responses itself and tells a complete body from a cut one.
 */
public final class RawHttp implements Closeable {

    /** A parsed response. {@code complete} is false when the connection ended before the framing said it would. */
    public record Response(int status, Map<String, List<String>> headers, byte[] body, boolean complete) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    public static RawHttp connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(15_000);
        return new RawHttp(s);
    }

    public RawHttp timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads one response (for a request that was not HEAD). */
    public Response read() throws IOException {
        return read(false);
    }

    public Response read(boolean headRequest) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            int colon = l.indexOf(':');
            headers.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(l.substring(colon + 1).trim());
        }
        if (status < 200 && status != 101) {
            return read(headRequest);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean complete = true;
        if (headRequest || status == 204 || status == 304) {
            return new Response(status, headers, body.toByteArray(), true);
        }
        List<String> te = headers.get("transfer-encoding");
        List<String> cl = headers.get("content-length");
        if (te != null && te.get(0).toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String size = line();
                if (size == null) {
                    complete = false;
                    break;
                }
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    while ((l = line()) != null && !l.isEmpty()) {
                        // trailers
                    }
                    complete = l != null;
                    break;
                }
                if (!copy(body, n)) {
                    complete = false;
                    break;
                }
                line();
            }
        } else if (cl != null) {
            complete = copy(body, Long.parseLong(cl.get(0)));
        } else {
            byte[] buf = new byte[8192];
            int r;
            while ((r = in.read(buf)) >= 0) {
                body.write(buf, 0, r);
            }
        }
        return new Response(status, headers, body.toByteArray(), complete);
    }

    /** True if the peer closes the connection within the socket timeout (reads and discards anything sent). */
    public boolean closedByPeer() throws IOException {
        try {
            byte[] buf = new byte[4096];
            while (true) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private boolean copy(ByteArrayOutputStream body, long n) throws IOException {
        byte[] buf = new byte[8192];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                return false;
            }
            body.write(buf, 0, r);
            left -= r;
        }
        return true;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    public InputStream inputStream() {
        return in;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
