package io.strangler.proxy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Plain-text summaries of the admin API's toggle answers for {@code strangler toggle}: aligned columns a person can
 * read at 3 a.m. and a script can still grep ({@code --json} gives the raw answer).
 */
final class ToggleText {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ToggleText() {
    }

    /** {@code GET /api/toggles}: the kill switch, then one line per route. */
    static String toggles(JsonNode t) {
        StringBuilder out = new StringBuilder();
        out.append("kill switch: ").append(t.path("killSwitch").asBoolean() ? "ON (every route served by legacy)"
                : "off").append('\n');
        if (!t.path("stateReachable").asBoolean(true)) {
            out.append("warning: the shared toggle state is unreachable; this instance keeps its last known state\n");
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"route", "mode", "pilot users", "pilot %", "recording"});
        t.path("routes").properties().forEach(e -> rows.add(new String[] {e.getKey(), e.getValue().path("mode").asText(),
            users(e.getValue().path("pilotUsers")), percent(e.getValue().path("percentage").asDouble()),
            e.getValue().path("recording").asBoolean() ? "on" : "off"}));
        return out.append(table(rows)).toString();
    }

    /** A write's answer ({@code audit} + {@code toggles}): what changed, then the state now. */
    static String changed(JsonNode answer) {
        JsonNode a = answer.path("audit");
        String line = "changed (audit #" + a.path("id").asLong() + "): " + a.path("target").asText() + " "
                + state(a.path("before").asText()) + " -> " + state(a.path("after").asText()) + ", reason: "
                + a.path("reason").asText() + "\n\n";
        return line + toggles(answer.path("toggles"));
    }

    /** {@code GET /api/audit}: newest first, one line per change. */
    static String audit(JsonNode entries) {
        if (entries.isEmpty()) {
            return "no toggle changes recorded\n";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"id", "at (UTC)", "who", "via", "target", "change", "reason"});
        for (JsonNode e : entries) {
            String at = e.path("at").asText();
            at = at.length() >= 19 ? at.substring(0, 19).replace('T', ' ') : at;
            rows.add(new String[] {e.path("id").asText(), at, e.path("actor").asText(), e.path("source").asText(),
                e.path("target").asText(), state(e.path("before").asText()) + " -> " + state(e.path("after").asText()),
                e.path("reason").asText()});
        }
        return table(rows);
    }

    /** A stored route state ({@code {"mode":..,"users":[..],"percentage":..}}) or a kill-switch value, briefly. */
    static String state(String stored) {
        if (!stored.startsWith("{")) {
            return stored.isEmpty() ? "-" : stored;
        }
        try {
            JsonNode s = JSON.readTree(stored);
            if (!s.has("mode")) {
                return "-";
            }
            StringBuilder out = new StringBuilder(s.path("mode").asText());
            String users = users(s.path("users"));
            double pct = s.path("percentage").asDouble();
            if (!users.equals("-") || pct > 0) {
                out.append(" (").append(users.equals("-") ? "" : "users " + users)
                        .append(!users.equals("-") && pct > 0 ? ", " : "").append(pct > 0 ? percent(pct) + "%" : "")
                        .append(')');
            }
            return out.toString();
        } catch (Exception e) {
            return stored;
        }
    }

    private static String users(JsonNode users) {
        List<String> ids = new ArrayList<>();
        users.forEach(u -> ids.add(u.asText()));
        return ids.isEmpty() ? "-" : String.join(",", ids);
    }

    private static String percent(double p) {
        return p == Math.rint(p) ? String.valueOf((long) p) : String.format(Locale.ROOT, "%.1f", p);
    }

    /** Left-aligned columns two spaces apart; the last column is not padded. */
    static String table(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                out.append(r[i]);
                if (i < cols - 1) {
                    out.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            out.append('\n');
        }
        return out.toString();
    }
}
