package io.strangler.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Where a scenario's figures go: a Markdown table on standard output, and {@code load-tests/results/<name>-<time>}
 * as CSV and as an SVG plot (drawn here: no plotting dependency, and SVG renders on GitHub and in any browser).
 */
final class Results {

    private static final String[] COLOURS = {"#2456a6", "#d0661b", "#1f7a4d", "#7048a8", "#b3261e", "#5d6778"};

    private final String scenario;
    private final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    private final Path dir = Path.of("load-tests", "results");

    Results(String scenario) {
        this.scenario = scenario;
    }

    Path csv(String header, List<String> rows) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(scenario + "-" + stamp + ".csv");
        Files.writeString(file, header + "\n" + String.join("\n", rows) + "\n");
        return file;
    }

    /** Latency by percentile, one line per histogram (microsecond values), the x axis stretched towards the tail. */
    Path percentilePlot(String title, Map<String, Histogram> curves) throws IOException {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        curves.forEach((name, h) -> {
            List<double[]> points = new ArrayList<>();
            for (double x = 0; x <= 4.0001; x += 0.05) {
                double p = 100 * (1 - Math.pow(10, -x));
                points.add(new double[] {x, h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(p) / 1000.0});
            }
            series.put(name, points);
        });
        Map<Double, String> xTicks = new LinkedHashMap<>();
        xTicks.put(0.0, "0%");
        xTicks.put(1.0, "90%");
        xTicks.put(2.0, "99%");
        xTicks.put(3.0, "99.9%");
        xTicks.put(4.0, "99.99%");
        return plot("-latency.svg", title, "percentile", "latency (ms)", series, xTicks);
    }

    /** A plain line chart (x and y linear). */
    Path linePlot(String suffix, String title, String xLabel, String yLabel, Map<String, List<double[]>> series)
            throws IOException {
        return plot(suffix, title, xLabel, yLabel, series, null);
    }

    private Path plot(String suffix, String title, String xLabel, String yLabel, Map<String, List<double[]>> series,
            Map<Double, String> xTicks) throws IOException {
        int w = 760;
        int h = 420;
        int left = 70;
        int right = 20;
        int top = 40;
        int bottom = 60;
        double xMin = Double.MAX_VALUE;
        double xMax = -Double.MAX_VALUE;
        double yMax = 0;
        for (List<double[]> pts : series.values()) {
            for (double[] p : pts) {
                xMin = Math.min(xMin, p[0]);
                xMax = Math.max(xMax, p[0]);
                yMax = Math.max(yMax, p[1]);
            }
        }
        if (xMax <= xMin) {
            xMax = xMin + 1;
        }
        double step = niceStep(yMax <= 0 ? 1 : yMax * 1.05);
        double yTop = Math.ceil((yMax <= 0 ? 1 : yMax * 1.05) / step) * step;
        double fx0 = xMin;
        double fx1 = xMax;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
                left, esc(title)));
        for (double v = 0; v <= yTop + 1e-9; v += step) {
            double y = top + (h - top - bottom) * (1 - v / yTop);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e8ee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>%n", left, w - right, y, y,
                    left - 6, y + 4, fmt(v)));
        }
        Map<Double, String> ticks = xTicks;
        if (ticks == null) {
            ticks = new LinkedHashMap<>();
            double xs = niceStep(xMax - xMin);
            for (double v = Math.ceil(xMin / xs) * xs; v <= xMax + 1e-9; v += xs) {
                ticks.put(v, fmt(v));
            }
        }
        ticks.forEach((v, label) -> {
            double x = left + (w - left - right) * (v - fx0) / (fx1 - fx0);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#e5e8ee\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>%n", x, x, top,
                    h - bottom, x, h - bottom + 16, esc(label)));
        });
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#333\">%s</text>%n",
                (left + w - right) / 2, h - bottom + 34, esc(xLabel)));
        s.append(String.format(Locale.ROOT, "<text transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\" "
                + "fill=\"#333\">%s</text>%n", (top + h - bottom) / 2, esc(yLabel)));
        int i = 0;
        int legendX = left;
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            String colour = COLOURS[i++ % COLOURS.length];
            StringBuilder pts = new StringBuilder();
            for (double[] p : e.getValue()) {
                double x = left + (w - left - right) * (p[0] - fx0) / (fx1 - fx0);
                double y = top + (h - top - bottom) * (1 - p[1] / yTop);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            s.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                    + "points=\"%s\"/>%n", colour, pts.toString().trim()));
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\" fill=\"#333\">%s</text>%n", legendX, h - 14, colour, legendX + 18,
                    h - 9, esc(e.getKey())));
            legendX += 28 + 7 * e.getKey().length();
        }
        s.append("</svg>\n");
        Files.createDirectories(dir);
        Path file = dir.resolve(scenario + "-" + stamp + suffix);
        Files.writeString(file, s);
        return file;
    }

    private static double niceStep(double max) {
        double raw = max / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * mag >= raw) {
                return m * mag;
            }
        }
        return 10 * mag;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.2f", v)
                .replaceAll("0+$", "");
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    static String ms(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
