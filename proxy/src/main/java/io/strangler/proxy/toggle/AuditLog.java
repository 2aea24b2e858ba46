package io.strangler.proxy.toggle;

import static java.util.Objects.requireNonNull;

import io.strangler.proxy.store.StoreDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every toggle change: when, who, where it came from, what it was before and after, and why. Kept in the store's
 * database (shared by the instances that share it), or in memory when the proxy has no store.
 *
 * <p>Thread-safe; called from admin worker threads, never from an event loop.
 */
public interface AuditLog {

    /**
     * One change. States are rendered as text: {@code mode=pilot users=[alice] percentage=5.0}, or {@code on}/
     * {@code off} for the kill switch.
     *
     * @param target a route id, or {@code kill-switch}
     * @param source {@code api}, {@code cli}, {@code auto-rollback}, {@code config}
     */
    record Entry(long id, String at, String actor, String source, String target, String before, String after,
            String reason, String instance) {
        public Entry {
            requireNonNull(at, "at");
            requireNonNull(actor, "actor");
            requireNonNull(source, "source");
            requireNonNull(target, "target");
            requireNonNull(before, "before");
            requireNonNull(after, "after");
            requireNonNull(reason, "reason");
            requireNonNull(instance, "instance");
        }
    }

    /** Records a change and returns it with its id. */
    Entry append(String actor, String source, String target, String before, String after, String reason)
            throws SQLException;

    /** The latest entries, newest first. */
    List<Entry> latest(int limit) throws SQLException;

    Optional<Entry> get(long id) throws SQLException;

    /** An audit log in memory, for a proxy without a store. */
    static AuditLog inMemory(Clock clock, String instance) {
        List<Entry> entries = new CopyOnWriteArrayList<>();
        AtomicLong ids = new AtomicLong();
        return new AuditLog() {
            @Override
            public Entry append(String actor, String source, String target, String before, String after,
                    String reason) {
                Entry e = new Entry(ids.incrementAndGet(), clock.instant().toString(), actor, source, target, before,
                        after, reason, instance);
                entries.add(e);
                return e;
            }

            @Override
            public List<Entry> latest(int limit) {
                List<Entry> out = new ArrayList<>();
                for (int i = entries.size() - 1; i >= 0 && out.size() < limit; i--) {
                    out.add(entries.get(i));
                }
                return out;
            }

            @Override
            public Optional<Entry> get(long id) {
                return entries.stream().filter(e -> e.id() == id).findFirst();
            }
        };
    }

    /** The audit log in the store's {@code toggle_audit} table. */
    static AuditLog jdbc(StoreDatabase db, Clock clock) {
        String instance = db.config().instance();
        return new AuditLog() {
            @Override
            public Entry append(String actor, String source, String target, String before, String after,
                    String reason) throws SQLException {
                Timestamp at = Timestamp.from(clock.instant());
                try (Connection c = db.connect();
                     PreparedStatement ps = c.prepareStatement("INSERT INTO toggle_audit (at, actor, source, target,"
                             + " before_state, after_state, reason, instance) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             new String[] {"id"})) {
                    ps.setTimestamp(1, at);
                    ps.setString(2, actor);
                    ps.setString(3, source);
                    ps.setString(4, target);
                    ps.setString(5, before);
                    ps.setString(6, after);
                    ps.setString(7, reason);
                    ps.setString(8, instance);
                    ps.executeUpdate();
                    // A flip and its audit entry are committed now; make them durable now too (H2 would write them
                    // within a second), so that a proxy stopped or killed right after a 3 a.m. flip keeps it.
                    db.checkpoint(c);
                    try (ResultSet keys = ps.getGeneratedKeys()) {
                        keys.next();
                        return new Entry(keys.getLong(1), at.toInstant().toString(), actor, source, target, before,
                                after, reason, instance);
                    }
                }
            }

            @Override
            public List<Entry> latest(int limit) throws SQLException {
                List<Entry> out = new ArrayList<>();
                try (Connection c = db.connect();
                     PreparedStatement ps = c.prepareStatement("SELECT id, at, actor, source, target, before_state,"
                             + " after_state, reason, instance FROM toggle_audit ORDER BY id DESC"
                             + " FETCH FIRST " + Math.max(1, limit) + " ROWS ONLY");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(entry(rs));
                    }
                }
                return out;
            }

            @Override
            public Optional<Entry> get(long id) throws SQLException {
                try (Connection c = db.connect();
                     PreparedStatement ps = c.prepareStatement("SELECT id, at, actor, source, target, before_state,"
                             + " after_state, reason, instance FROM toggle_audit WHERE id = ?")) {
                    ps.setLong(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? Optional.of(entry(rs)) : Optional.empty();
                    }
                }
            }

            private Entry entry(ResultSet rs) throws SQLException {
                return new Entry(rs.getLong(1), rs.getTimestamp(2).toInstant().toString(), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                        rs.getString(9));
            }
        };
    }

}
