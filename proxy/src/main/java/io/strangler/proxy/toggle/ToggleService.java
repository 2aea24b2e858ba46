package io.strangler.proxy.toggle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strangler.proxy.store.StoreDatabase;
import io.strangler.toggles.Mode;
import io.strangler.toggles.RouteState;
import io.strangler.toggles.RouteToggles;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.togglz.core.repository.StateRepository;
import org.togglz.core.repository.mem.InMemoryStateRepository;

/**
 * Changes route modes and the kill switch on behalf of someone, and audits every change. Runs on admin worker
 * threads (it writes to the database); the decisions on the event loops only read {@link RouteToggles}.
 *
 * <p>Thread-safe: changes are serialised, so two racing flips both apply in some order and are both audited.
 */
public final class ToggleService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ToggleService.class);
    public static final String KILL_SWITCH_TARGET = "kill-switch";
    /** Audit targets of recording changes: this prefix and the route id. */
    public static final String RECORD_TARGET_PREFIX = "record:";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RouteToggles toggles;
    private final AuditLog audit;
    private final Optional<LazyJdbcStateRepository> connection;

    private final Clock clock;

    private ToggleService(RouteToggles toggles, AuditLog audit, Optional<LazyJdbcStateRepository> connection,
            Clock clock) {
        this.toggles = toggles;
        this.audit = audit;
        this.connection = connection;
        this.clock = clock;
    }

    /**
     * Toggles over the store's database when there is one (shared by every instance using it, re-read every
     * {@code refresh}), else in memory.
     *
     * @param initial each route's state from the config
     * @param recording routes whose config turns recording on
     */
    public static ToggleService create(Optional<StoreDatabase> db, Map<String, RouteState> initial,
            Map<String, Boolean> recording, Duration refresh, Clock clock, String instance) {
        Optional<LazyJdbcStateRepository> jdbc = db.map(d -> new LazyJdbcStateRepository(d.dataSource(),
                d.postgres()));
        StateRepository repository = jdbc.<StateRepository>map(r -> r).orElseGet(InMemoryStateRepository::new);
        RouteToggles toggles = new RouteToggles(repository, initial, recording, refresh);
        AuditLog audit = db.map(d -> AuditLog.jdbc(d, clock)).orElseGet(() -> AuditLog.inMemory(clock, instance));
        for (String route : toggles.initializedFromConfig()) {
            try {
                audit.append("config", "config", route, "{}", render(toggles.state(route)),
                        "initial state from the config file");
            } catch (SQLException | RuntimeException e) {
                log.warn("cannot audit the initial state of route {} ({})", route, e.toString());
            }
        }
        for (String route : toggles.recordingInitializedFromConfig()) {
            try {
                audit.append("config", "config", RECORD_TARGET_PREFIX + route, "off", "on",
                        "initial state from the config file");
            } catch (SQLException | RuntimeException e) {
                log.warn("cannot audit the initial recording of route {} ({})", route, e.toString());
            }
        }
        return new ToggleService(toggles, audit, jdbc, clock);
    }

    public RouteToggles toggles() {
        return toggles;
    }

    /** A refused change: the message says what is wrong; {@code notFound} for an unknown route or audit entry. */
    public static final class Refused extends Exception {
        private final boolean notFound;

        Refused(String message, boolean notFound) {
            super(message, null, false, false);
            this.notFound = notFound;
        }

        public boolean notFound() {
            return notFound;
        }
    }

    /** Sets a route's mode (and pilot users and percentage, when given; otherwise they stay as they are). */
    public synchronized AuditLog.Entry set(String actor, String source, String route, String mode,
            Optional<Set<String>> users, Optional<Double> percentage, String reason) throws Refused, SQLException {
        requireReason(reason);
        requireRoute(route);
        Mode m = Mode.parse(mode == null ? "" : mode).orElseThrow(() -> new Refused("mode: '" + mode
                + "' (expected: one of legacy, shadow, pilot, candidate)", false));
        if (percentage.isPresent() && !(percentage.get() >= 0 && percentage.get() <= 100)) {
            throw new Refused("percentage: " + percentage.get() + " (expected: 0 to 100)", false);
        }
        RouteState before = toggles.state(route);
        RouteState after = new RouteState(m, users.orElse(before.users()), percentage.orElse(before.percentage()));
        toggles.set(route, after);
        AuditLog.Entry e = audit.append(actor, source, route, render(before), render(after), reason);
        log.warn("toggle: {} set route {} from {} to {} ({}): {}", actor, route, render(before), render(after),
                source, reason);
        return e;
    }

    public synchronized AuditLog.Entry killSwitch(String actor, String source, boolean on, String reason)
            throws Refused, SQLException {
        requireReason(reason);
        boolean before = toggles.setKillSwitch(on);
        AuditLog.Entry e = audit.append(actor, source, KILL_SWITCH_TARGET, onOff(before), onOff(on), reason);
        log.warn("toggle: {} turned the kill switch {} ({}): {}", actor, onOff(on), source, reason);
        return e;
    }

    /**
     * Turns a route's recording on or off. Turning it on again also retries writing after an earlier write failure
     * (on every instance, as each sees the change).
     */
    public synchronized AuditLog.Entry record(String actor, String source, String route, boolean on, String reason)
            throws Refused, SQLException {
        requireReason(reason);
        requireRoute(route);
        boolean before = toggles.setRecording(route, on, clock.millis()).on();
        AuditLog.Entry e = audit.append(actor, source, RECORD_TARGET_PREFIX + route, onOff(before), onOff(on),
                reason);
        log.warn("toggle: {} turned recording of route {} {} ({}): {}", actor, route, onOff(on), source, reason);
        return e;
    }

    /** Restores what an audit entry changed to its state before that entry; the revert is audited too. */
    public synchronized AuditLog.Entry revert(String actor, String source, long auditId, String reason)
            throws Refused, SQLException {
        requireReason(reason);
        AuditLog.Entry e = audit.get(auditId).orElseThrow(() -> new Refused("no audit entry " + auditId, true));
        String why = "revert of #" + auditId + ": " + reason;
        if (e.target().equals(KILL_SWITCH_TARGET)) {
            return killSwitch(actor, source, e.before().equals("on"), why);
        }
        if (e.target().startsWith(RECORD_TARGET_PREFIX)) {
            return record(actor, source, e.target().substring(RECORD_TARGET_PREFIX.length()),
                    e.before().equals("on"), why);
        }
        RouteState before = parse(e.before());
        return set(actor, source, e.target(), before.mode().configName(), Optional.of(before.users()),
                Optional.of(before.percentage()), why);
    }

    /** Every route's state and the kill switch, for the API. */
    public Map<String, Object> describe() {
        Map<String, Object> routes = new LinkedHashMap<>();
        toggles.states().forEach((route, s) -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("mode", s.mode().configName());
            r.put("pilotUsers", new TreeSet<>(s.users()));
            r.put("percentage", s.percentage());
            r.put("recording", toggles.recording(route).on());
            routes.put(route, r);
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("killSwitch", toggles.killSwitch());
        out.put("stateReachable", toggles.reachable());
        out.put("routes", routes);
        return out;
    }

    public List<AuditLog.Entry> auditLog(int limit) throws SQLException {
        return audit.latest(limit);
    }

    private void requireRoute(String route) throws Refused {
        if (!toggles.routes().contains(route)) {
            throw new Refused("unknown route '" + route + "' (known: " + toggles.routes() + ")", true);
        }
    }

    private static void requireReason(String reason) throws Refused {
        if (reason == null || reason.isBlank()) {
            throw new Refused("reason: missing (expected: why, for the audit log)", false);
        }
    }

    private static String onOff(boolean on) {
        return on ? "on" : "off";
    }

    static String render(RouteState s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", s.mode().configName());
        m.put("users", new TreeSet<>(s.users()));
        m.put("percentage", s.percentage());
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static RouteState parse(String rendered) throws Refused {
        try {
            JsonNode n = JSON.readTree(rendered);
            Set<String> users = new TreeSet<>();
            n.path("users").forEach(u -> users.add(u.asText()));
            return new RouteState(Mode.parse(n.path("mode").asText()).orElseThrow(), users,
                    n.path("percentage").asDouble());
        } catch (JsonProcessingException | RuntimeException e) {
            throw new Refused("the audit entry's earlier state cannot be read: " + rendered, false);
        }
    }

    @Override
    public void close() {
        toggles.close();
        connection.ifPresent(LazyJdbcStateRepository::close);
    }
}
