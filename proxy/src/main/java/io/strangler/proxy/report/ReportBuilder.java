package io.strangler.proxy.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.proxy.store.DivergenceStore;
import io.strangler.proxy.store.LatencyCodec;
import io.strangler.proxy.store.StoreDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.HdrHistogram.Histogram;

/**
 * Reads a time window of the divergence store into a {@link Report}. Read-only; runs on the caller's thread with
 * its own connection.
 */
public final class ReportBuilder {

    /**
     * A difference in at least this share of an endpoint's comparisons, with legacy never repeating, is noise. Not
     * higher: an endpoint's 404s lack a timestamp field its 200s all carry, and legacy never repeating is the signal.
     */
    static final double NOISE_RATE = 0.5;
    static final int NOISE_MIN_SAMPLES = 3;
    private static final int MAX_BODY_CHARS = 64 * 1024;

    private final StoreDatabase db;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    public ReportBuilder(StoreDatabase db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Routes that have data in the store at all, for checking {@code --route}. */
    public Set<String> knownRoutes() throws SQLException {
        Set<String> routes = new TreeSet<>();
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT DISTINCT route FROM outcome_counts");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                routes.add(rs.getString(1));
            }
        }
        return routes;
    }

    /**
     * Whose data a report covers: live traffic (every instance but replay runs), or one replay run (written by
     * {@code strangler replay} as the instance {@code replay-<run id>}).
     */
    public record Scope(Optional<String> run) {
        public static final Scope LIVE = new Scope(Optional.empty());

        public static Scope run(String id) {
            return new Scope(Optional.of(id));
        }

        public static final String REPLAY_PREFIX = "replay-";

        /** The instance condition, starting with " AND "; binds one parameter for a run. */
        String sql(String column) {
            return run.isPresent() ? " AND " + column + " = ?"
                    : " AND " + column + " NOT LIKE '" + REPLAY_PREFIX + "%'";
        }

        /** Binds the run's instance name at {@code index}; returns the next index. */
        int bind(PreparedStatement ps, int index) throws SQLException {
            if (run.isPresent()) {
                ps.setString(index++, REPLAY_PREFIX + run.get());
            }
            return index;
        }
    }

    /** The report on live traffic since {@code since}, for one route or (empty) all of them. */
    public Report build(Instant since, Optional<String> route) throws SQLException {
        return build(since, route, Scope.LIVE);
    }

    /** The report for {@code scope} since {@code since}, for one route or (empty) all of them. */
    public Report build(Instant since, Optional<String> route, Scope scope) throws SQLException {
        Timestamp from = Timestamp.from(since.truncatedTo(java.time.temporal.ChronoUnit.MINUTES));
        try (Connection c = db.connect()) {
            db.migrate(c);
            Map<String, Map<String, Map<String, Long>>> outcomes = outcomes(c, from, route, scope);
            Map<String, Map<String, List<Row>>> diffs = differences(c, from, route, scope);
            Map<String, Histogram> latency = latency(c, from, route, scope);
            List<Report.RouteReport> routes = new ArrayList<>();
            for (var r : outcomes.entrySet()) {
                routes.add(route(c, r.getKey(), r.getValue(), diffs.getOrDefault(r.getKey(), Map.of()), latency,
                        scope));
            }
            return new Report(clock.instant().toString(), since.toString(), db.describe(), instances(c, from, scope),
                    routes);
        }
    }

    private record Row(String path, String kind, long count, Timestamp firstSeen, Timestamp lastSeen) {
    }

    /** route → endpoint → "outcome reason" → count. */
    private Map<String, Map<String, Map<String, Long>>> outcomes(Connection c, Timestamp from, Optional<String> route,
            Scope scope) throws SQLException {
        Map<String, Map<String, Map<String, Long>>> out = new TreeMap<>();
        try (PreparedStatement ps = windowed(c, "SELECT route, endpoint, outcome, reason, SUM(n) FROM outcome_counts",
                " GROUP BY route, endpoint, outcome, reason", from, route, scope)) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new TreeMap<>())
                            .computeIfAbsent(rs.getString(2), k -> new TreeMap<>())
                            .merge(rs.getString(3) + " " + rs.getString(4), rs.getLong(5), Long::sum);
                }
            }
        }
        return out;
    }

    private Map<String, Map<String, List<Row>>> differences(Connection c, Timestamp from, Optional<String> route,
            Scope scope) throws SQLException {
        Map<String, Map<String, List<Row>>> out = new TreeMap<>();
        try (PreparedStatement ps = windowed(c, "SELECT route, endpoint, path, kind, SUM(n), MIN(bucket), MAX(last_seen)"
                + " FROM difference_counts", " GROUP BY route, endpoint, path, kind", from, route, scope)) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new TreeMap<>())
                            .computeIfAbsent(rs.getString(2), k -> new ArrayList<>())
                            .add(new Row(rs.getString(3), rs.getString(4), rs.getLong(5), rs.getTimestamp(6),
                                    rs.getTimestamp(7)));
                }
            }
        }
        return out;
    }

    /** "route endpoint side" and "route * side" → merged histogram (microseconds). */
    private Map<String, Histogram> latency(Connection c, Timestamp from, Optional<String> route, Scope scope)
            throws SQLException {
        Map<String, Histogram> out = new LinkedHashMap<>();
        try (PreparedStatement ps = windowed(c, "SELECT route, endpoint, side, histogram FROM latency", "", from,
                route, scope)) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Histogram h = LatencyCodec.decode(rs.getBytes(4));
                    for (String key : List.of(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3),
                            rs.getString(1) + " " + DivergenceStore.ANY_ENDPOINT + " " + rs.getString(3))) {
                        out.computeIfAbsent(key, k -> new Histogram(3)).add(h);
                    }
                }
            }
        }
        return out;
    }

    /** {@code select} restricted to the window (and route), then {@code tail}; parameters already set. */
    private static PreparedStatement windowed(Connection c, String select, String tail, Timestamp from,
            Optional<String> route, Scope scope) throws SQLException {
        PreparedStatement ps = c.prepareStatement(select + " WHERE bucket >= ?"
                + (route.isPresent() ? " AND route = ?" : "") + scope.sql("instance") + tail);
        ps.setTimestamp(1, from);
        int next = 2;
        if (route.isPresent()) {
            ps.setString(next++, route.get());
        }
        scope.bind(ps, next);
        return ps;
    }

    private List<String> instances(Connection c, Timestamp from, Scope scope) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT instance FROM outcome_counts WHERE bucket >= ?"
                + scope.sql("instance") + " ORDER BY instance")) {
            ps.setTimestamp(1, from);
            scope.bind(ps, 2);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private Report.RouteReport route(Connection c, String route, Map<String, Map<String, Long>> byEndpoint,
            Map<String, List<Row>> diffs, Map<String, Histogram> latency, Scope scope) throws SQLException {
        long matched = 0;
        long diverged = 0;
        Map<String, Long> failed = new TreeMap<>();
        Map<String, Long> skipped = new TreeMap<>();
        List<Report.EndpointReport> endpoints = new ArrayList<>();
        for (var e : byEndpoint.entrySet()) {
            long em = 0;
            long ed = 0;
            for (var o : e.getValue().entrySet()) {
                String[] parts = o.getKey().split(" ", 2);
                long n = o.getValue();
                switch (parts[0]) {
                    case "matched" -> em += n;
                    case "diverged" -> ed += n;
                    case "failed" -> failed.merge(parts[1], n, Long::sum);
                    case "skipped" -> skipped.merge(parts[1], n, Long::sum);
                    default -> { }
                }
            }
            matched += em;
            diverged += ed;
            if (e.getKey().equals(DivergenceStore.ANY_ENDPOINT) || em + ed == 0) {
                continue;
            }
            long comparisons = em + ed;
            List<Report.DifferenceReport> rows = new ArrayList<>();
            for (Row r : diffs.getOrDefault(e.getKey(), List.of())) {
                Optional<Report.Sample> sample = latestSample(c, route, e.getKey(), r, scope);
                rows.add(new Report.DifferenceReport(r.path(), r.kind(), r.count(), rate(r.count(), comparisons),
                        r.firstSeen().toInstant().toString(), r.lastSeen().toInstant().toString(),
                        suspectedNoise(c, route, e.getKey(), r, comparisons, scope), sample));
            }
            rows.sort(Comparator.comparingLong(Report.DifferenceReport::count).reversed()
                    .thenComparing(Report.DifferenceReport::path));
            endpoints.add(new Report.EndpointReport(e.getKey(), comparisons, ed, rate(ed, comparisons),
                    latency(latency, route + " " + e.getKey() + " legacy"),
                    latency(latency, route + " " + e.getKey() + " candidate"), rows));
        }
        endpoints.sort(Comparator.comparingLong(Report.EndpointReport::diverged).reversed()
                .thenComparing(Report.EndpointReport::endpoint));
        return new Report.RouteReport(route, matched + diverged, matched, diverged, rate(matched, matched + diverged),
                failed, skipped, latency(latency, route + " * legacy"), latency(latency, route + " * candidate"),
                endpoints);
    }

    private static double rate(long n, long of) {
        return of == 0 ? 0 : (double) n / of;
    }

    private static Report.Latency latency(Map<String, Histogram> all, String key) {
        Histogram h = all.get(key);
        if (h == null || h.getTotalCount() == 0) {
            return Report.Latency.NONE;
        }
        return new Report.Latency(h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0);
    }

    private List<Long> sampleIds(Connection c, String route, String endpoint, Row r, Scope scope)
            throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT d.sample_id FROM sample_differences d JOIN samples s"
                + " ON s.id = d.sample_id WHERE d.route = ? AND d.endpoint = ? AND d.path = ? AND d.kind = ?"
                + scope.sql("s.instance") + " ORDER BY d.sample_id DESC")) {
            ps.setString(1, route);
            ps.setString(2, endpoint);
            ps.setString(3, r.path());
            ps.setString(4, r.kind());
            scope.bind(ps, 5);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }

    private Optional<Report.Sample> latestSample(Connection c, String route, String endpoint, Row r, Scope scope)
            throws SQLException {
        for (long id : sampleIds(c, route, endpoint, r, scope)) {
            Optional<Report.Sample> s = sample(c, id);
            if (s.isPresent()) {
                return s;
            }
        }
        return Optional.empty();
    }

    private boolean suspectedNoise(Connection c, String route, String endpoint, Row r, long comparisons, Scope scope)
            throws SQLException {
        if (rate(r.count(), comparisons) < NOISE_RATE) {
            return false;
        }
        Set<String> legacyValues = new HashSet<>();
        int samples = 0;
        for (long id : sampleIds(c, route, endpoint, r, scope)) {
            Optional<Report.Sample> s = sample(c, id);
            if (s.isEmpty()) {
                continue;
            }
            for (Report.Difference d : s.get().differences()) {
                if (d.path().equals(r.path()) && d.kind().equals(r.kind())) {
                    samples++;
                    if (!legacyValues.add(String.valueOf(d.legacy()))) {
                        return false;
                    }
                }
            }
        }
        return samples >= NOISE_MIN_SAMPLES;
    }

    /** One stored sample by id, or empty if there is none (deleted by retention, or never stored). */
    public Optional<Report.Sample> sample(long id) throws SQLException {
        try (Connection c = db.connect()) {
            db.migrate(c);
            return sample(c, id);
        }
    }

    private Optional<Report.Sample> sample(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT at, instance, request_id, method, target,"
                + " request_headers, request_body, legacy_status, legacy_headers, legacy_body, legacy_ms,"
                + " legacy_error, candidate_status, candidate_headers, candidate_body, candidate_ms, candidate_error,"
                + " differences FROM samples WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Report.Sample(id, rs.getTimestamp(1).toInstant().toString(), rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getString(5), headers(rs.getString(6)),
                        text(rs.getBytes(7)),
                        new Report.Side(rs.getInt(8), headers(rs.getString(9)), text(rs.getBytes(10)),
                                rs.getDouble(11), rs.getString(12)),
                        new Report.Side(rs.getInt(13), headers(rs.getString(14)), text(rs.getBytes(15)),
                                rs.getDouble(16), rs.getString(17)),
                        differencesOf(rs.getString(18))));
            }
        }
    }

    private Map<String, List<String>> headers(String stored) {
        try {
            return json.readValue(stored, new TypeReference<LinkedHashMap<String, List<String>>>() { });
        } catch (IOException e) {
            return Map.of();
        }
    }

    private List<Report.Difference> differencesOf(String stored) {
        try {
            return json.readValue(stored, new TypeReference<List<Report.Difference>>() { });
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String text(byte[] bytes) {
        if (bytes == null) {
            return "";
        }
        String s = new String(bytes, StandardCharsets.UTF_8);
        return s.length() > MAX_BODY_CHARS ? s.substring(0, MAX_BODY_CHARS) + "…" : s;
    }
}
