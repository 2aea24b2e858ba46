package io.strangler.proxy.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.strangler.comparator.Difference;
import io.strangler.proxy.config.StoreConfig;
import io.strangler.proxy.metrics.ProxyMeters;
import io.strangler.proxy.shadow.ShadowOutcome;
import io.strangler.proxy.shadow.ShadowResult;
import io.strangler.proxy.shadow.ShadowResultListener;
import io.strangler.proxy.shadow.SkipReason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps divergences in the database without ever making the served path wait for it.
 *
 * <p>Results arrive on compare threads and shadow event loops (skips on any event loop): counts go into in-memory adders at once, samples
 * into a bounded queue. One writer thread flushes every {@code store.flushInterval}: counts and latency histograms
 * are added to per-minute rows of this instance, samples are redacted and inserted. When the database is
 * unreachable nothing counted is lost (counts stay in memory and are written once it is back); samples beyond the
 * queue are dropped and counted in {@code strangler.store.samples.dropped}.
 *
 * <p>Thread-safe.
 */
public final class DivergenceStore implements ShadowResultListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DivergenceStore.class);
    /** Skips are counted per route only: templating every skipped path would cost the event loop. */
    public static final String ANY_ENDPOINT = "*";
    private static final int MAX_LATEST_PER_FLUSH = 1_000;
    /**
     * A difference's latest sample is replaced at most this often, so that a link to it (in the dashboard, in an
     * API answer) stays valid for at least this long even when the difference recurs many times a second.
     */
    static final long LATEST_REPLACE_INTERVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    private static final int SAMPLE_BATCH = 500;
    /** Put in the queue by {@link #close} to wake the writer. */
    private static final SampleData STOP = new SampleData(Instant.EPOCH, "", "", "", "", "", "", "", Map.of(),
            new byte[0], null, null, List.of(), List.of());
    private static final Duration RETENTION_EVERY = Duration.ofMinutes(1);

    private record OutcomeKey(String route, String endpoint, String outcome, String reason) {
    }

    private record DiffKey(String route, String endpoint, String path, String kind) {
    }

    private record LatencyKey(String route, String endpoint, String side) {
    }

    /** A difference as samples store it (JSON): kind by its tag, as everywhere else. */
    record StoredDifference(String kind, String path, String legacy, String candidate) {
    }

    private final StoreDatabase db;
    private final StoreConfig config;
    private final Clock clock;
    private final Redactor redactor;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<OutcomeKey, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final Map<String, EnumMap<SkipReason, LongAdder>> skips = new ConcurrentHashMap<>();
    private final Map<DiffKey, LongAdder> differences = new ConcurrentHashMap<>();
    private final Map<DiffKey, AtomicLong> lastSeen = new ConcurrentHashMap<>();
    private final Map<LatencyKey, Recorder> latency = new ConcurrentHashMap<>();
    private final Map<LatencyKey, Histogram> unwrittenLatency = new HashMap<>();
    private final Map<DiffKey, AtomicInteger> samplesKept = new ConcurrentHashMap<>();
    private final Map<DiffKey, SampleData> latest = new ConcurrentHashMap<>();
    private final Map<DiffKey, Long> latestOnlySample = new HashMap<>();
    /** When each difference's latest sample was last replaced (System.nanoTime); writer thread only. */
    private final Map<DiffKey, Long> latestReplacedAt = new HashMap<>();
    private final ArrayBlockingQueue<SampleData> queue;
    private final List<SampleData> retry = new ArrayList<>();
    private final Counter dropped;
    private final Thread writer;
    private volatile boolean running = true;
    private volatile boolean reachable;
    private Connection connection;
    private Instant nextRetention = Instant.EPOCH;

    private DivergenceStore(StoreDatabase db, MeterRegistry registry, Clock clock) {
        this.db = db;
        this.config = db.config();
        this.clock = clock;
        this.redactor = new Redactor(config.redact());
        this.queue = new ArrayBlockingQueue<>(config.queueSize());
        this.dropped = Counter.builder(ProxyMeters.STORE_SAMPLES_DROPPED.meterName()).register(registry);
        Gauge.builder(ProxyMeters.STORE_QUEUE.meterName(), queue, ArrayBlockingQueue::size).register(registry);
        Gauge.builder(ProxyMeters.STORE_REACHABLE.meterName(), this, s -> s.reachable ? 1 : 0).register(registry);
        this.writer = new Thread(this::writeLoop, io.strangler.proxy.ThreadPriorities.STORE_WRITER);
        this.writer.setDaemon(true);
        this.writer.setPriority(io.strangler.proxy.ThreadPriorities.BACKGROUND);
    }

    /**
     * Opens the store and starts its writer. If the database cannot be reached the proxy still runs: counts are
     * kept in memory, an error is logged, and the writer keeps trying.
     *
     * @throws StoreException if the database is reachable but cannot be used (schema too new, damaged)
     */
    public static DivergenceStore open(StoreDatabase db, MeterRegistry registry, Clock clock) throws StoreException {
        DivergenceStore store = new DivergenceStore(db, registry, clock);
        try {
            store.connection = db.connect();
            db.migrate(store.connection);
            store.reachable = true;
            store.loadSampleCounts();
        } catch (StoreException e) {
            store.closeConnection();
            throw e;
        } catch (SQLException e) {
            store.closeConnection();
            log.error("DIVERGENCE STORE UNREACHABLE at {} ({}). Traffic is served as usual; comparisons are counted "
                    + "in memory and written once the store is back (retrying every {}). Samples beyond {} are "
                    + "dropped meanwhile.", db.describe(), e.getMessage(), store.config.flushInterval(),
                    store.config.queueSize());
        }
        store.writer.start();
        return store;
    }

    public boolean reachable() {
        return reachable;
    }

    @Override
    public void onSkipped(String route, SkipReason reason) {
        EnumMap<SkipReason, LongAdder> byReason = skips.get(route);
        if (byReason == null) {
            byReason = skips.computeIfAbsent(route, r -> {
                EnumMap<SkipReason, LongAdder> m = new EnumMap<>(SkipReason.class);
                for (SkipReason s : SkipReason.values()) {
                    m.put(s, new LongAdder());
                }
                return m;
            });
        }
        byReason.get(reason).increment();
    }

    @Override
    public void onResult(ShadowResult r) {
        String route = r.request().routeId();
        String endpoint = r.comparison().map(c -> c.endpoint()).orElse(ANY_ENDPOINT);
        // The outcome is counted before its differences: writeCounts relies on that order.
        outcomes.computeIfAbsent(new OutcomeKey(route, endpoint, r.outcome().tag(), r.reason()), k -> new LongAdder())
                .increment();
        boolean legacyServed = !r.servedBy().equals("candidate");
        r.served().ifPresent(o -> recordLatency(route, endpoint, legacyServed ? "legacy" : "candidate", o));
        r.shadow().ifPresent(o -> recordLatency(route, endpoint, legacyServed ? "candidate" : "legacy", o));
        if (r.outcome() != ShadowOutcome.DIVERGED || r.comparison().isEmpty()) {
            return;
        }
        long now = clock.millis();
        boolean wanted = false;
        java.util.Set<DiffKey> keys = new java.util.LinkedHashSet<>();
        for (Difference d : r.comparison().get().differences()) {
            DiffKey k = new DiffKey(route, endpoint, d.path(), d.kind().tag());
            if (!keys.add(k)) {
                continue;
            }
            differences.computeIfAbsent(k, x -> new LongAdder()).increment();
            lastSeen.computeIfAbsent(k, x -> new AtomicLong()).accumulateAndGet(now, Math::max);
            AtomicInteger kept = samplesKept.computeIfAbsent(k, x -> new AtomicInteger());
            if (kept.get() < config.samplesPerDifference() && kept.incrementAndGet() <= config.samplesPerDifference()) {
                wanted = true;
            }
        }
        SampleData sample = SampleData.of(r, config.maxBodyBytes());
        if (wanted) {
            if (!queue.offer(sample)) {
                dropped.increment();
            }
        } else {
            for (DiffKey k : keys) {
                if (latest.size() < MAX_LATEST_PER_FLUSH || latest.containsKey(k)) {
                    latest.put(k, sample);
                }
            }
        }
    }

    private void recordLatency(String route, String endpoint, String side, io.strangler.comparator.Observation o) {
        if (o.failed()) {
            return;
        }
        long micros = Math.max(1, o.duration().toNanos() / 1000);
        latency.computeIfAbsent(new LatencyKey(route, endpoint, side), k -> new Recorder(3))
                .recordValue(Math.min(micros, TimeUnit.MINUTES.toMicros(10)));
    }

    /**
     * Samples are written as soon as they queue up (in batches), so that a burst does not wait for the next flush
     * and fill the queue; counts, latency and the latest samples are written every {@code flushInterval}.
     */
    private void writeLoop() {
        long periodNanos = config.flushInterval().toNanos();
        long nextFlush = System.nanoTime() + periodNanos;
        while (running) {
            try {
                long wait = nextFlush - System.nanoTime();
                SampleData first = reachable && wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : null;
                if (first == STOP) {
                    break;
                }
                if (first != null) {
                    writeQueuedSamples(first);
                } else if (!reachable && wait > 0) {
                    // Unreachable: leave the samples queued (bounded) and retry at the next flush.
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            }
            if (System.nanoTime() - nextFlush >= 0) {
                flush();
                nextFlush = System.nanoTime() + periodNanos;
            }
        }
        flush();
        // The proxy is stopping: what the last flush wrote must be in the file before the process exits.
        guarded(() -> db.checkpoint(connection));
        closeConnection();
    }

    private synchronized void writeQueuedSamples(SampleData first) {
        retry.add(first);
        queue.drainTo(retry, SAMPLE_BATCH);
        retry.remove(STOP);
        guarded(this::writeQueued);
    }

    /** Writes what has accumulated. On the writer thread only (and once from {@link #close} after it ended). */
    private synchronized void flush() {
        guarded(() -> {
            Timestamp bucket = Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MINUTES));
            writeCounts(bucket);
            writeLatency(bucket);
            writeQueued();
            writeLatest();
            if (clock.instant().isAfter(nextRetention)) {
                applyRetention();
                nextRetention = clock.instant().plus(RETENTION_EVERY);
            }
        });
    }

    /** Runs {@code work} on a live connection (making one if needed); a failure marks the store unreachable. */
    private void guarded(Work work) {
        try {
            if (connection == null) {
                connection = db.connect();
                db.migrate(connection);
                if (samplesKept.isEmpty()) {
                    loadSampleCounts();
                }
                log.info("divergence store at {} is reachable again; writing what was counted meanwhile",
                        db.describe());
            } else if (!connection.isValid(2)) {
                // Nothing may be waiting to be written: ask, so that the reachable gauge tells the truth.
                throw new SQLException("the connection is no longer valid");
            }
            reachable = true;
            work.run();
        } catch (SQLException | RuntimeException e) {
            if (reachable) {
                log.warn("divergence store at {} failed ({}); counting in memory and retrying every {}",
                        db.describe(), e.getMessage(), config.flushInterval());
            }
            reachable = false;
            closeConnection();
        }
    }

    /**
     * Writes outcome and difference counts in one transaction. The differences are taken before the outcomes, and
     * {@link #onResult} counts an outcome before its differences, so no flush ever stores a difference counted more
     * often than the comparisons it came from (a rate over 100% in a live report).
     */
    private void writeCounts(Timestamp bucket) throws SQLException {
        Map<DiffKey, Long> takenDifferences = take(differences);
        Map<OutcomeKey, Long> taken = take(outcomes);
        skips.forEach((route, byReason) -> byReason.forEach((reason, adder) -> {
            long n = adder.sumThenReset();
            if (n > 0) {
                taken.merge(new OutcomeKey(route, ANY_ENDPOINT, ShadowOutcome.SKIPPED.tag(), reason.tag()), n,
                        Long::sum);
            }
        }));
        try {
            inTransaction(() -> {
                for (Map.Entry<OutcomeKey, Long> e : taken.entrySet()) {
                    OutcomeKey k = e.getKey();
                    addCount("UPDATE outcome_counts SET n = n + ? WHERE route = ? AND endpoint = ? AND outcome = ?"
                                    + " AND reason = ? AND bucket = ? AND instance = ?",
                            "INSERT INTO outcome_counts (n, route, endpoint, outcome, reason, bucket, instance)"
                                    + " VALUES (?, ?, ?, ?, ?, ?, ?)",
                            e.getValue(), k.route(), k.endpoint(), k.outcome(), k.reason(), bucket);
                }
                writeDifferenceRows(takenDifferences, bucket);
            });
        } catch (SQLException e) {
            // Nothing counted is lost: it goes back and is written with the next flush that succeeds.
            taken.forEach((k, n) -> outcomes.computeIfAbsent(k, x -> new LongAdder()).add(n));
            takenDifferences.forEach((k, n) -> differences.computeIfAbsent(k, x -> new LongAdder()).add(n));
            throw e;
        }
    }

    /** The non-zero counts of {@code counters}, each reset to zero as it is read. */
    private static <K> Map<K, Long> take(Map<K, LongAdder> counters) {
        Map<K, Long> taken = new LinkedHashMap<>();
        counters.forEach((k, adder) -> {
            long n = adder.sumThenReset();
            if (n > 0) {
                taken.put(k, n);
            }
        });
        return taken;
    }

    private void writeDifferenceRows(Map<DiffKey, Long> taken, Timestamp bucket) throws SQLException {
        for (Map.Entry<DiffKey, Long> e : taken.entrySet()) {
            DiffKey k = e.getKey();
            Timestamp seen = new Timestamp(lastSeen.get(k).get());
            try (PreparedStatement up = connection.prepareStatement("UPDATE difference_counts SET n = n + ?,"
                    + " last_seen = ? WHERE route = ? AND endpoint = ? AND path = ? AND kind = ?"
                    + " AND bucket = ? AND instance = ?")) {
                up.setLong(1, e.getValue());
                up.setTimestamp(2, seen);
                setKey(up, 3, k.route(), k.endpoint(), k.path(), k.kind(), bucket);
                if (up.executeUpdate() == 0) {
                    try (PreparedStatement in = connection.prepareStatement("INSERT INTO difference_counts"
                            + " (n, last_seen, route, endpoint, path, kind, bucket, instance)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                        in.setLong(1, e.getValue());
                        in.setTimestamp(2, seen);
                        setKey(in, 3, k.route(), k.endpoint(), k.path(), k.kind(), bucket);
                        in.executeUpdate();
                    }
                }
            }
        }
    }

    private void writeLatency(Timestamp bucket) throws SQLException {
        latency.forEach((k, recorder) -> {
            Histogram h = recorder.getIntervalHistogram();
            if (h.getTotalCount() > 0) {
                unwrittenLatency.merge(k, h, (a, b) -> {
                    a.add(b);
                    return a;
                });
            }
        });
        if (unwrittenLatency.isEmpty()) {
            return;
        }
        inTransaction(() -> {
            for (Map.Entry<LatencyKey, Histogram> e : unwrittenLatency.entrySet()) {
                LatencyKey k = e.getKey();
                Histogram h = e.getValue().copy();
                byte[] existing = null;
                try (PreparedStatement q = connection.prepareStatement("SELECT histogram FROM latency WHERE route = ?"
                        + " AND endpoint = ? AND side = ? AND bucket = ? AND instance = ?")) {
                    setKey(q, 1, k.route(), k.endpoint(), k.side(), bucket);
                    try (ResultSet rs = q.executeQuery()) {
                        if (rs.next()) {
                            existing = rs.getBytes(1);
                        }
                    }
                }
                if (existing != null) {
                    h.add(LatencyCodec.decode(existing));
                }
                String sql = existing != null
                        ? "UPDATE latency SET histogram = ? WHERE route = ? AND endpoint = ? AND side = ?"
                                + " AND bucket = ? AND instance = ?"
                        : "INSERT INTO latency (histogram, route, endpoint, side, bucket, instance)"
                                + " VALUES (?, ?, ?, ?, ?, ?)";
                try (PreparedStatement w = connection.prepareStatement(sql)) {
                    w.setBytes(1, LatencyCodec.encode(h));
                    setKey(w, 2, k.route(), k.endpoint(), k.side(), bucket);
                    w.executeUpdate();
                }
            }
        });
        unwrittenLatency.clear();
    }

    /** Writes the queued samples (and any that failed before), in one transaction per batch. */
    private void writeQueued() throws SQLException {
        while (true) {
            queue.drainTo(retry, Math.max(0, SAMPLE_BATCH - retry.size()));
            retry.remove(STOP);
            if (retry.isEmpty()) {
                return;
            }
            List<SampleData> batch = new ArrayList<>(retry);
            try {
                inTransaction(() -> insertSamples(batch));
            } catch (SQLException e) {
                // Kept for the next attempt, within the queue's bound.
                while (retry.size() > config.queueSize()) {
                    retry.remove(retry.size() - 1);
                    dropped.increment();
                }
                throw e;
            }
            retry.clear();
        }
    }

    /**
     * Writes the latest sample of each difference seen since the last flush, replacing the previous latest unless
     * that one is younger than {@link #LATEST_REPLACE_INTERVAL_NANOS} (then the newer one waits, and is itself
     * replaced by any later one, until it is due).
     */
    private void writeLatest() throws SQLException {
        Map<SampleData, List<DiffKey>> latestBatch = new LinkedHashMap<>();
        long now = System.nanoTime();
        latest.forEach((k, s) -> {
            Long replaced = latestReplacedAt.get(k);
            if (replaced != null && now - replaced < LATEST_REPLACE_INTERVAL_NANOS) {
                return;
            }
            if (latest.remove(k, s)) {
                latestBatch.computeIfAbsent(s, x -> new ArrayList<>()).add(k);
            }
        });
        if (latestBatch.isEmpty()) {
            return;
        }
        inTransaction(() -> {
            for (Map.Entry<SampleData, List<DiffKey>> e : latestBatch.entrySet()) {
                long id = insertSample(e.getKey());
                for (DiffKey k : e.getValue()) {
                    latestReplacedAt.put(k, now);
                    Long previous = latestOnlySample.put(k, id);
                    if (previous != null && !latestOnlySample.containsValue(previous)) {
                        deleteSample(previous);
                    }
                }
            }
        });
    }

    private long insertSample(SampleData s) throws SQLException {
        return insertSamples(List.of(s)).get(0);
    }

    /** Inserts samples and their difference keys in two batched statements; returns the new ids in order. */
    private List<Long> insertSamples(List<SampleData> samples) throws SQLException {
        List<Long> ids = new ArrayList<>(samples.size());
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO samples (at, instance, route, endpoint,"
                + " request_id, served_by, verdict, method, target, request_headers, request_body, legacy_status,"
                + " legacy_headers, legacy_body, legacy_ms, legacy_error, candidate_status, candidate_headers,"
                + " candidate_body, candidate_ms, candidate_error, differences, notes)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                new String[] {"id"})) {
            for (SampleData s : samples) {
                int i = 1;
                ps.setTimestamp(i++, Timestamp.from(s.at()));
                ps.setString(i++, config.instance());
                ps.setString(i++, s.route());
                ps.setString(i++, s.endpoint());
                ps.setString(i++, s.requestId());
                ps.setString(i++, s.servedBy());
                ps.setString(i++, s.verdict());
                ps.setString(i++, s.method());
                ps.setString(i++, redactor.target(s.target()));
                ps.setString(i++, toJson(redactor.headers(s.requestHeaders())));
                ps.setBytes(i++, redactor.body(s.requestBody()));
                for (SampleData.Side side : List.of(s.legacy(), s.candidate())) {
                    ps.setInt(i++, side.status());
                    ps.setString(i++, toJson(redactor.headers(side.headers())));
                    ps.setBytes(i++, redactor.body(side.body()));
                    ps.setDouble(i++, side.millis());
                    ps.setString(i++, side.error());
                }
                ps.setString(i++, toJson(s.differences().stream().map(redactor::difference)
                        .map(d -> new StoredDifference(d.kind().tag(), d.path(), d.legacy(), d.candidate())).toList()));
                ps.setString(i, toJson(s.notes()));
                ps.addBatch();
            }
            ps.executeBatch();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                while (keys.next()) {
                    ids.add(keys.getLong(1));
                }
            }
        }
        if (ids.size() != samples.size()) {
            throw new SQLException("expected " + samples.size() + " generated sample ids, got " + ids.size());
        }
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO sample_differences"
                + " (sample_id, route, endpoint, path, kind) VALUES (?, ?, ?, ?, ?)")) {
            for (int n = 0; n < samples.size(); n++) {
                SampleData s = samples.get(n);
                java.util.Set<String> seen = new java.util.HashSet<>();
                for (Difference d : s.differences()) {
                    if (!seen.add(d.path() + ' ' + d.kind().tag())) {
                        continue;
                    }
                    ps.setLong(1, ids.get(n));
                    ps.setString(2, s.route());
                    ps.setString(3, s.endpoint());
                    ps.setString(4, d.path());
                    ps.setString(5, d.kind().tag());
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
        return ids;
    }

    private void deleteSample(long id) throws SQLException {
        try (PreparedStatement a = connection.prepareStatement("DELETE FROM sample_differences WHERE sample_id = ?");
             PreparedStatement b = connection.prepareStatement("DELETE FROM samples WHERE id = ?")) {
            a.setLong(1, id);
            a.executeUpdate();
            b.setLong(1, id);
            b.executeUpdate();
        }
    }

    private void applyRetention() throws SQLException {
        Timestamp cutoff = Timestamp.from(clock.instant().minus(config.retention()));
        inTransaction(() -> {
            {
                execute("DELETE FROM sample_differences WHERE sample_id IN (SELECT id FROM samples WHERE at < ?)",
                        cutoff);
                execute("DELETE FROM samples WHERE at < ?", cutoff);
                execute("DELETE FROM outcome_counts WHERE bucket < ?", cutoff);
                execute("DELETE FROM difference_counts WHERE bucket < ?", cutoff);
                execute("DELETE FROM latency WHERE bucket < ?", cutoff);
                Long oldestKept = null;
                try (PreparedStatement q = connection.prepareStatement("SELECT id FROM samples ORDER BY id DESC"
                        + " OFFSET ? ROWS FETCH NEXT 1 ROWS ONLY")) {
                    q.setInt(1, config.maxSamples() - 1);
                    try (ResultSet rs = q.executeQuery()) {
                        if (rs.next()) {
                            oldestKept = rs.getLong(1);
                        }
                    }
                }
                if (oldestKept != null) {
                    try (PreparedStatement a = connection.prepareStatement(
                            "DELETE FROM sample_differences WHERE sample_id < ?");
                         PreparedStatement b = connection.prepareStatement("DELETE FROM samples WHERE id < ?")) {
                        a.setLong(1, oldestKept);
                        a.executeUpdate();
                        b.setLong(1, oldestKept);
                        b.executeUpdate();
                    }
                }
            }
        });
    }

    private void execute(String sql, Timestamp cutoff) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setTimestamp(1, cutoff);
            ps.executeUpdate();
        }
    }

    /** How many samples each difference already has, so that a restart does not store the first N again. */
    private void loadSampleCounts() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT route, endpoint, path, kind, COUNT(*) FROM sample_differences"
                     + " GROUP BY route, endpoint, path, kind")) {
            while (rs.next()) {
                samplesKept.computeIfAbsent(new DiffKey(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4)), k -> new AtomicInteger()).addAndGet(rs.getInt(5));
            }
        }
    }

    private void addCount(String update, String insert, long n, String route, String endpoint, String a, String b,
            Timestamp bucket) throws SQLException {
        try (PreparedStatement up = connection.prepareStatement(update)) {
            up.setLong(1, n);
            setKey(up, 2, route, endpoint, a, b, bucket);
            if (up.executeUpdate() > 0) {
                return;
            }
        }
        try (PreparedStatement in = connection.prepareStatement(insert)) {
            in.setLong(1, n);
            setKey(in, 2, route, endpoint, a, b, bucket);
            in.executeUpdate();
        }
    }

    /** Sets route, endpoint, two more key columns, bucket and this instance from {@code first} on. */
    private void setKey(PreparedStatement ps, int first, String route, String endpoint, String a, String b,
            Timestamp bucket) throws SQLException {
        ps.setString(first, route);
        ps.setString(first + 1, endpoint);
        ps.setString(first + 2, a);
        ps.setString(first + 3, b);
        ps.setTimestamp(first + 4, bucket);
        ps.setString(first + 5, config.instance());
    }

    private void setKey(PreparedStatement ps, int first, String route, String endpoint, String side,
            Timestamp bucket) throws SQLException {
        ps.setString(first, route);
        ps.setString(first + 1, endpoint);
        ps.setString(first + 2, side);
        ps.setTimestamp(first + 3, bucket);
        ps.setString(first + 4, config.instance());
    }

    @FunctionalInterface
    private interface Work {
        void run() throws SQLException;
    }

    private void inTransaction(Work work) throws SQLException {
        connection.setAutoCommit(false);
        try {
            work.run();
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the connection is gone; the caller reconnects
            }
            throw e;
        } finally {
            try {
                connection.setAutoCommit(true);
            } catch (SQLException ignored) {
                // as above
            }
        }
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing a broken connection
            }
            connection = null;
        }
    }

    /**
     * Writes what is left and stops the writer (waits for it up to 10 s). The writer is woken by a marker in its
     * queue, never interrupted: an interrupt during file I/O closes H2's file channel under it.
     */
    @Override
    public void close() {
        running = false;
        queue.offer(STOP);
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes what has accumulated now; for tests and benchmarks. */
    public void flushNow() {
        flush();
    }
}
