package io.strangler.proxy.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The capture file format, version 1: JSON Lines, one file per rotation, gzip-compressed. The first line of a file
 * is a header ({@code {"format":"strangler-capture","version":1,...}}), every other line one {@link CaptureRecord}.
 * Bodies that are valid UTF-8 are written as text ({@code "body"}), others in base64 ({@code "bodyBase64"}), so
 * that {@code zcat capture-*.jsonl.gz | jq .} shows what was recorded.
 *
 * <p>Stateless and thread-safe.
 */
public final class CaptureFormat {

    public static final String FORMAT = "strangler-capture";
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private CaptureFormat() {
    }

    /** A file's first line. */
    public static String header(String instance, Instant started) {
        ObjectNode h = JSON.createObjectNode().put("format", FORMAT).put("version", VERSION)
                .put("instance", instance).put("started", started.toString());
        return h.toString();
    }

    /** One record as one line (no line break). */
    public static String line(CaptureRecord r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("at", r.at().toString()).put("route", r.route()).put("requestId", r.requestId())
                .put("reason", r.reason());
        ObjectNode req = n.putObject("request").put("method", r.method()).put("target", r.target());
        headers(req, r.requestHeaders());
        body(req, r.requestBody());
        ObjectNode legacy = n.putObject("legacy").put("status", r.status()).put("durationMicros", r.durationMicros());
        headers(legacy, r.responseHeaders());
        body(legacy, r.responseBody());
        return n.toString();
    }

    private static void headers(ObjectNode into, Map<String, List<String>> headers) {
        ObjectNode h = into.putObject("headers");
        headers.forEach((name, values) -> {
            var arr = h.putArray(name);
            values.forEach(arr::add);
        });
    }

    private static void body(ObjectNode into, byte[] body) {
        if (body.length == 0) {
            return;
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
            into.put("body", text);
        } catch (CharacterCodingException binary) {
            into.put("bodyBase64", Base64.getEncoder().encodeToString(body));
        }
    }

    /** A line that is not a capture record of this version; the message says what is wrong. */
    public static final class BadLine extends Exception {
        BadLine(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Checks a file's first line.
     *
     * @throws BadLine when it is not a capture header, or of another format version (the message says which)
     */
    public static void checkHeader(String line) throws BadLine {
        JsonNode h;
        try {
            h = JSON.readTree(line);
        } catch (Exception e) {
            throw new BadLine("not a Strangler capture file (its first line is not JSON)");
        }
        if (h == null || !FORMAT.equals(h.path("format").asText())) {
            throw new BadLine("not a Strangler capture file (no \"format\":\"" + FORMAT + "\" header)");
        }
        int version = h.path("version").asInt(-1);
        if (version < VERSION) {
            throw new BadLine("capture format version " + version + " is older than this Strangler reads ("
                    + VERSION + "); it was written by an early build: record it again");
        }
        if (version > VERSION) {
            throw new BadLine("capture format version " + version + " is newer than this Strangler reads ("
                    + VERSION + "): replay it with a newer Strangler");
        }
    }

    /** Parses one record line. */
    public static CaptureRecord parse(String line) throws BadLine {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (Exception e) {
            throw new BadLine("not JSON (" + e.getClass().getSimpleName() + ")");
        }
        if (n == null || !n.isObject()) {
            throw new BadLine("not a JSON object");
        }
        JsonNode req = n.path("request");
        JsonNode legacy = n.path("legacy");
        for (String field : List.of("at", "route", "requestId")) {
            if (!n.path(field).isTextual()) {
                throw new BadLine("missing \"" + field + "\"");
            }
        }
        if (!req.path("method").isTextual() || !req.path("target").isTextual() || !legacy.path("status").isInt()) {
            throw new BadLine("missing request method, target or legacy status");
        }
        try {
            return new CaptureRecord(Instant.parse(n.path("at").asText()), n.path("route").asText(),
                    n.path("requestId").asText(), req.path("method").asText(), req.path("target").asText(),
                    readHeaders(req.path("headers")), readBody(req), legacy.path("status").asInt(),
                    readHeaders(legacy.path("headers")), readBody(legacy), legacy.path("durationMicros").asLong(),
                    n.path("reason").asText("sampled"));
        } catch (RuntimeException e) {
            throw new BadLine("unreadable record (" + e.getMessage() + ")");
        }
    }

    private static Map<String, List<String>> readHeaders(JsonNode h) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        h.properties().forEach(e -> {
            List<String> values = new ArrayList<>();
            e.getValue().forEach(v -> values.add(v.asText()));
            out.put(e.getKey(), values);
        });
        return out;
    }

    private static byte[] readBody(JsonNode side) {
        if (side.path("body").isTextual()) {
            return side.path("body").asText().getBytes(StandardCharsets.UTF_8);
        }
        if (side.path("bodyBase64").isTextual()) {
            return Base64.getDecoder().decode(side.path("bodyBase64").asText());
        }
        return new byte[0];
    }
}
