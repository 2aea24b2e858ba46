package io.strangler.proxy.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import io.strangler.comparator.JsonPath;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a {@link Report} as JSON, Markdown (fits a pull-request comment) or one self-contained HTML page. */
public final class ReportRenderer {

    private static final int MAX_MD_VALUE = 60;

    private ReportRenderer() {
    }

    public static String json(Report r) {
        try {
            return new ObjectMapper().registerModule(new Jdk8Module()).enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(r) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String markdown(Report r) {
        StringBuilder md = new StringBuilder("# Strangler divergence report\n\n");
        md.append("Store `").append(r.store()).append("`, since ").append(r.since()).append(", generated ")
                .append(r.generatedAt()).append(r.instances().isEmpty() ? "" : ", instances: "
                        + String.join(", ", r.instances())).append(".\n\n");
        if (r.empty()) {
            return md.append("**No comparisons yet** in this window. Put a route in `mode: shadow` and send it some "
                    + "traffic, or widen `--since`.\n").toString();
        }
        md.append("| route | comparisons | match rate | diverged | failed | skipped | legacy p50 / p99 ms "
                + "| candidate p50 / p99 ms |\n|---|---|---|---|---|---|---|---|\n");
        for (Report.RouteReport route : r.routes()) {
            md.append("| ").append(route.route()).append(" | ").append(route.comparisons()).append(" | ")
                    .append(percent(route.matchRate())).append(" | ").append(route.diverged()).append(" | ")
                    .append(route.failedTotal()).append(" | ").append(route.skippedTotal()).append(" | ")
                    .append(latency(route.legacy())).append(" | ").append(latency(route.candidate())).append(" |\n");
        }
        for (Report.RouteReport route : r.routes()) {
            md.append("\n## Route `").append(route.route()).append("`\n");
            if (!route.failed().isEmpty()) {
                md.append("\nFailed: ").append(counts(route.failed())).append('.');
            }
            if (!route.skipped().isEmpty()) {
                md.append("\nSkipped: ").append(counts(route.skipped())).append('.');
            }
            if (!route.failed().isEmpty() || !route.skipped().isEmpty()) {
                md.append('\n');
            }
            for (Report.EndpointReport e : route.endpoints()) {
                md.append("\n### `").append(e.endpoint()).append("`: ").append(e.diverged()).append(" of ")
                        .append(e.comparisons()).append(" diverged (").append(percent(e.divergenceRate()))
                        .append(")\n\n");
                List<Report.DifferenceReport> real = e.differences().stream().filter(d -> !d.suspectedNoise())
                        .toList();
                if (!real.isEmpty()) {
                    md.append("| difference | kind | count | rate | example: legacy → candidate |\n"
                            + "|---|---|---|---|---|\n");
                    for (Report.DifferenceReport d : real) {
                        md.append("| `").append(d.path()).append("` | ").append(d.kind()).append(" | ")
                                .append(d.count()).append(" | ").append(percent(d.rate())).append(" | ")
                                .append(example(d)).append(" |\n");
                    }
                }
                List<Report.DifferenceReport> noise = e.differences().stream()
                        .filter(Report.DifferenceReport::suspectedNoise).toList();
                if (!noise.isEmpty()) {
                    md.append("\nSuspected noise (legacy never repeats its value; consider `compare.ignorePaths`): ");
                    md.append(String.join(", ", noise.stream().map(d -> "`" + d.path() + "`").toList()))
                            .append('\n');
                }
            }
        }
        return md.toString();
    }

    private static String example(Report.DifferenceReport d) {
        return d.sample().flatMap(s -> s.differences().stream()
                .filter(x -> x.path().equals(d.path()) && x.kind().equals(d.kind())).findFirst())
                .map(x -> "`" + cut(x.legacy()) + "` → `" + cut(x.candidate()) + "`").orElse("");
    }

    private static String cut(String v) {
        String s = v == null ? "(none)" : v.replace("|", "\\|").replace("`", "'").replace("\n", " ");
        return s.length() > MAX_MD_VALUE ? s.substring(0, MAX_MD_VALUE) + "…" : s;
    }

    private static String counts(Map<String, Long> m) {
        List<String> parts = new ArrayList<>();
        m.forEach((k, v) -> parts.add(k + " " + v));
        return String.join(", ", parts);
    }

    private static String percent(double rate) {
        return String.format(Locale.ROOT, "%.1f%%", rate * 100);
    }

    private static String latency(Report.Latency l) {
        return l.count() == 0 ? "–" : String.format(Locale.ROOT, "%.1f / %.1f", l.p50(), l.p99());
    }

    /** One HTML page with its CSS inline and no scripts or external assets, so it can be mailed or archived. */
    public static String html(Report r) {
        StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>Strangler divergence report</title><style>" + CSS + "</style></head><body>\n");
        h.append("<h1>Strangler divergence report</h1>\n<p class=\"meta\">Store <code>").append(esc(r.store()))
                .append("</code> · since ").append(esc(r.since())).append(" · generated ").append(esc(r.generatedAt()))
                .append(r.instances().isEmpty() ? "" : " · instances: " + esc(String.join(", ", r.instances())))
                .append("</p>\n");
        if (r.empty()) {
            h.append("<p class=\"empty\"><strong>No comparisons yet</strong> in this window. Put a route in "
                    + "<code>mode: shadow</code> and send it some traffic, or widen <code>--since</code>.</p>");
            return h.append("</body></html>\n").toString();
        }
        h.append("<table><tr><th>route</th><th>comparisons</th><th>match rate</th><th>diverged</th><th>failed</th>"
                + "<th>skipped</th><th>legacy p50 / p99 ms</th><th>candidate p50 / p99 ms</th></tr>\n");
        for (Report.RouteReport route : r.routes()) {
            h.append("<tr><td><a href=\"#route-").append(esc(route.route())).append("\">").append(esc(route.route()))
                    .append("</a></td><td>").append(route.comparisons()).append("</td><td>")
                    .append(percent(route.matchRate())).append("</td><td>").append(route.diverged())
                    .append("</td><td>").append(route.failedTotal()).append("</td><td>").append(route.skippedTotal())
                    .append("</td><td>").append(latency(route.legacy())).append("</td><td>")
                    .append(latency(route.candidate())).append("</td></tr>\n");
        }
        h.append("</table>\n");
        for (Report.RouteReport route : r.routes()) {
            h.append("<h2 id=\"route-").append(esc(route.route())).append("\">Route ").append(esc(route.route()))
                    .append("</h2>\n");
            if (!route.failed().isEmpty() || !route.skipped().isEmpty()) {
                h.append("<p class=\"meta\">");
                if (!route.failed().isEmpty()) {
                    h.append("Failed: ").append(esc(counts(route.failed()))).append(". ");
                }
                if (!route.skipped().isEmpty()) {
                    h.append("Skipped: ").append(esc(counts(route.skipped()))).append('.');
                }
                h.append("</p>\n");
            }
            for (Report.EndpointReport e : route.endpoints()) {
                h.append("<h3><code>").append(esc(e.endpoint())).append("</code> — ").append(e.diverged())
                        .append(" of ").append(e.comparisons()).append(" diverged (")
                        .append(percent(e.divergenceRate())).append(")</h3>\n");
                differencesTable(h, e.differences().stream().filter(d -> !d.suspectedNoise()).toList());
                List<Report.DifferenceReport> noise = e.differences().stream()
                        .filter(Report.DifferenceReport::suspectedNoise).toList();
                if (!noise.isEmpty()) {
                    h.append("<details class=\"noise\"><summary>Suspected noise: ").append(noise.size())
                            .append(" field(s) whose legacy value never repeats</summary>\n");
                    differencesTable(h, noise);
                    h.append("</details>\n");
                }
                e.differences().stream().filter(d -> !d.suspectedNoise() && d.sample().isPresent()).findFirst()
                        .flatMap(Report.DifferenceReport::sample).ifPresent(s -> sample(h, s));
            }
        }
        return h.append("</body></html>\n").toString();
    }

    private static void differencesTable(StringBuilder h, List<Report.DifferenceReport> rows) {
        if (rows.isEmpty()) {
            return;
        }
        h.append("<table><tr><th>difference</th><th>kind</th><th>count</th><th>rate</th><th>last seen</th>"
                + "<th>example: legacy → candidate</th></tr>\n");
        for (Report.DifferenceReport d : rows) {
            h.append("<tr><td><code>").append(esc(d.path())).append("</code></td><td>").append(esc(d.kind()))
                    .append("</td><td>").append(d.count()).append("</td><td>").append(percent(d.rate()))
                    .append("</td><td>").append(esc(d.lastSeen())).append("</td><td>")
                    .append(esc(example(d).replace("`", ""))).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /** Both answers side by side, pretty-printed, with the lines of the differing fields marked. */
    private static void sample(StringBuilder h, Report.Sample s) {
        h.append("<div class=\"sample\"><p class=\"meta\">Sample: <code>").append(esc(s.method())).append(' ')
                .append(esc(s.target())).append("</code> · request id <code>").append(esc(s.requestId()))
                .append("</code> · ").append(esc(s.at())).append(" · ").append(esc(s.instance())).append("</p>\n");
        List<List<Object>> marked = new ArrayList<>();
        for (Report.Difference d : s.differences()) {
            if (d.path().startsWith("$")) {
                try {
                    marked.add(JsonPath.parseRendered(d.path()));
                } catch (IllegalArgumentException ignored) {
                    // not a JSON path: nothing to mark in the body
                }
            }
        }
        h.append("<div class=\"sides\">");
        side(h, "legacy", s.legacy(), marked);
        side(h, "candidate", s.candidate(), marked);
        h.append("</div></div>\n");
    }

    private static void side(StringBuilder h, String name, Report.Side side, List<List<Object>> marked) {
        h.append("<div class=\"side\"><h4>").append(name).append(" · ").append(side.status())
                .append(String.format(Locale.ROOT, " · %.1f ms", side.millis()))
                .append(side.error() == null ? "" : " · " + esc(side.error())).append("</h4><pre>");
        JsonNode tree = null;
        try {
            tree = side.body().isBlank() ? null : new ObjectMapper().readTree(side.body());
        } catch (JsonProcessingException notJson) {
            tree = null;
        }
        if (tree == null) {
            h.append(esc(side.body()));
        } else {
            pretty(h, tree, new ArrayList<>(), 0, null, marked, true);
        }
        h.append("</pre></div>");
    }

    private static void pretty(StringBuilder h, JsonNode n, List<Object> path, int depth, String name,
            List<List<Object>> marked, boolean last) {
        boolean mark = isMarked(path, marked);
        String indent = "  ".repeat(depth);
        String label = name == null ? "" : esc(quote(name)) + ": ";
        String comma = last ? "" : ",";
        if (n.isObject() || n.isArray()) {
            boolean obj = n.isObject();
            line(h, indent + label + (obj ? "{" : "["), mark);
            int i = 0;
            int size = n.size();
            if (obj) {
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); i++) {
                    Map.Entry<String, JsonNode> f = it.next();
                    path.add(f.getKey());
                    pretty(h, f.getValue(), path, depth + 1, f.getKey(), marked, i == size - 1);
                    path.remove(path.size() - 1);
                }
            } else {
                for (JsonNode e : n) {
                    path.add(i);
                    pretty(h, e, path, depth + 1, null, marked, i == size - 1);
                    path.remove(path.size() - 1);
                    i++;
                }
            }
            line(h, indent + (obj ? "}" : "]") + comma, mark);
        } else {
            line(h, indent + label + esc(n.toString()) + comma, mark);
        }
    }

    private static void line(StringBuilder h, String html, boolean mark) {
        h.append(mark ? "<mark>" : "").append(html).append(mark ? "</mark>" : "").append('\n');
    }

    /** True when {@code path} is a differing path or lies below one; [*] and [key=value] stand for any position. */
    private static boolean isMarked(List<Object> path, List<List<Object>> marked) {
        for (List<Object> m : marked) {
            if (m.size() <= path.size() && m.size() > 0) {
                boolean all = true;
                for (int i = 0; i < m.size() && all; i++) {
                    Object want = m.get(i);
                    Object got = path.get(i);
                    all = want instanceof String s ? s.equals(got)
                            : want instanceof Integer n ? n.equals(got) : got instanceof Integer;
                }
                if (all) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static final String CSS = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;"
            + "padding:0 1em;color:#1d2430}h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccd}"
            + "h3{font-size:1.05em;margin-top:1.5em}table{border-collapse:collapse;margin:.5em 0;width:100%}"
            + "th,td{border:1px solid #d5d9e0;padding:.3em .5em;text-align:left;vertical-align:top}"
            + "th{background:#f1f3f6}code{font-family:ui-monospace,monospace;font-size:.92em}.meta{color:#566}"
            + ".empty{padding:1em;background:#f6f7f9;border-radius:4px}.sides{display:flex;gap:1em}"
            + ".side{flex:1;min-width:0}.side h4{margin:.3em 0}pre{background:#f7f8fa;padding:.6em;overflow:auto;"
            + "font-size:12px;border:1px solid #e1e4e8}mark{background:#ffe08a}.noise summary{cursor:pointer;"
            + "color:#566}";
}
