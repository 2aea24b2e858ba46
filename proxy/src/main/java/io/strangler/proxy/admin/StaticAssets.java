package io.strangler.proxy.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The web dashboard's files (from {@code dashboards/web}, packaged into the jar), read once at start so that
 * serving one is a map lookup on the admin event loop, never a read from the jar.
 *
 * <p>Immutable after construction.
 */
final class StaticAssets {

    /** Every file of the dashboard; {@code StaticAssetsTest} checks this list against {@code dashboards/web}. */
    static final List<String> FILES = List.of("index.html", "dashboard.css", "app.js", "api.js", "dom.js",
            "overview.js", "toggles.js", "divergences.js", "chart.js", "json-view.js", "favicon.svg");

    private static final String ROOT = "/io/strangler/proxy/admin/dashboard/";

    /** One file: its bytes, content type and a strong ETag. */
    record Asset(byte[] bytes, String contentType, String etag) {
    }

    private final Map<String, Asset> assets;

    private StaticAssets(Map<String, Asset> assets) {
        this.assets = assets;
    }

    /**
     * Reads every file from the classpath.
     *
     * @throws IllegalStateException if one is missing (a jar built without the dashboard)
     */
    static StaticAssets load() {
        Map<String, Asset> out = new LinkedHashMap<>();
        for (String name : FILES) {
            try (InputStream in = StaticAssets.class.getResourceAsStream(ROOT + name)) {
                if (in == null) {
                    throw new IllegalStateException("the dashboard file " + name + " is not in the jar (built "
                            + "without dashboards/web?)");
                }
                byte[] bytes = in.readAllBytes();
                out.put(name, new Asset(bytes, contentType(name), etag(bytes)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the dashboard file " + name, e);
            }
        }
        return new StaticAssets(Map.copyOf(out));
    }

    Optional<Asset> get(String name) {
        return Optional.ofNullable(assets.get(name));
    }

    private static String contentType(String name) {
        String ext = name.substring(name.lastIndexOf('.') + 1);
        return switch (ext) {
            case "html" -> "text/html; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "svg" -> "image/svg+xml";
            default -> "application/octet-stream";
        };
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(d, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
