package io.strangler.toggles;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.togglz.core.Feature;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.repository.StateRepository;
import org.togglz.core.util.NamedFeature;

/**
 * The modes of all routes, their recording and the global kill switch, as Togglz feature state: one feature per route
 * ({@code strangler.route.<id>}, defined from the config, not an enum) whose strategy parameters hold the mode and
 * the pilot users, one feature per route ({@code strangler.record.<id>}) that is enabled while the route records,
 * and one feature {@value #KILL_SWITCH}. The kill switch does not stop recording: recording never changes what is
 * served.
 *
 * <p>Decisions ({@link #decide}) read an immutable in-memory snapshot and never touch the repository, so they can
 * run on an event loop. A background thread re-reads the repository every {@code refresh} (that is how a change made
 * on another instance sharing the repository arrives); a change made here is applied to the snapshot at once.
 * When the repository cannot be read, the last known state stays in force and {@link #reachable()} says so.
 *
 * <p>Thread-safe.
 */
public final class RouteToggles implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RouteToggles.class);
    public static final String KILL_SWITCH = "strangler.kill-switch";
    static final String FEATURE_PREFIX = "strangler.route.";
    static final String RECORD_PREFIX = "strangler.record.";
    static final String MODE = "mode";
    static final String CHANGED_AT = "changedAt";

    /**
     * What decisions read: every route's state (as stored, and parsed once) and the kill switch, replaced whole.
     */
    private record Snapshot(Map<String, FeatureState> routes, Map<String, RouteState> parsed,
            Map<String, Recording> recording, boolean killed) {
        Snapshot(Map<String, FeatureState> routes, Map<String, Recording> recording, boolean killed) {
            this(routes, parse(routes), Collections.unmodifiableMap(new LinkedHashMap<>(recording)), killed);
        }

        private static Map<String, RouteState> parse(Map<String, FeatureState> routes) {
            Map<String, RouteState> out = new LinkedHashMap<>();
            routes.forEach((route, fs) -> out.put(route, toRouteState(fs)));
            return Collections.unmodifiableMap(out);
        }
    }

    private final StateRepository repository;
    private final Map<String, Feature> features = new LinkedHashMap<>();
    private final Map<String, FeatureState> initialStates = new LinkedHashMap<>();
    private final Map<String, Feature> recordFeatures = new LinkedHashMap<>();
    private final Map<String, Recording> initialRecording = new LinkedHashMap<>();
    private final List<String> fromConfig = new java.util.ArrayList<>();
    private final List<String> recordingFromConfig = new java.util.ArrayList<>();
    private final Feature killSwitch = new NamedFeature(KILL_SWITCH);
    private final PilotActivationStrategy strategy = new PilotActivationStrategy();
    private final ScheduledExecutorService refresher;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), false);
    private volatile boolean reachable = true;

    /**
     * @param repository where state lives (in memory, or JDBC shared by several instances)
     * @param initial each route's state from the config, written only for routes the repository does not know yet
     *     (so a restart keeps what was flipped at run time)
     * @param refresh how often the repository is re-read
     */
    public RouteToggles(StateRepository repository, Map<String, RouteState> initial, Duration refresh) {
        this(repository, initial, Map.of(), refresh);
    }

    /**
     * @param recording routes that record from the start (written, like {@code initial}, only for routes the
     *     repository does not know yet); every other route starts not recording
     */
    public RouteToggles(StateRepository repository, Map<String, RouteState> initial, Map<String, Boolean> recording,
            Duration refresh) {
        this.repository = requireNonNull(repository, "repository");
        initial.forEach((route, state) -> {
            features.put(route, new NamedFeature(FEATURE_PREFIX + route));
            initialStates.put(route, toFeatureState(route, state));
            recordFeatures.put(route, new NamedFeature(RECORD_PREFIX + route));
            initialRecording.put(route, new Recording(recording.getOrDefault(route, false), 0));
        });
        try {
            features.forEach((route, f) -> {
                if (repository.getFeatureState(f) == null) {
                    repository.setFeatureState(initialStates.get(route));
                    fromConfig.add(route);
                }
            });
            recordFeatures.forEach((route, f) -> {
                if (repository.getFeatureState(f) == null) {
                    repository.setFeatureState(toFeatureState(route, initialRecording.get(route)));
                    if (initialRecording.get(route).on()) {
                        recordingFromConfig.add(route);
                    }
                }
            });
        } catch (RuntimeException e) {
            // Unreachable at start: run on the config's states until it can be read (reload says so).
            log.warn("toggle state cannot be read at start ({}); using the config's modes until it can",
                    e.toString());
        }
        snapshot = new Snapshot(Collections.unmodifiableMap(new LinkedHashMap<>(initialStates)), initialRecording,
                false);
        reload();
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strangler-toggles-refresh");
            t.setDaemon(true);
            return t;
        });
        long millis = Math.max(1, refresh.toMillis());
        refresher.scheduleWithFixedDelay(this::reload, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** How to serve one request of {@code route}. Reads memory only; safe on an event loop. */
    public Decision decide(String route, PilotPolicy policy, RequestView request) {
        Snapshot s = snapshot;
        if (s.killed()) {
            return Decision.LEGACY_ONLY;
        }
        RouteState state = s.parsed().get(route);
        if (state == null) {
            return Decision.LEGACY_ONLY;
        }
        return switch (state.mode()) {
            case LEGACY -> Decision.LEGACY_ONLY;
            case SHADOW -> new Decision(Mode.SHADOW, false, true, false);
            case CANDIDATE -> new Decision(Mode.CANDIDATE, true, true, false);
            case PILOT -> {
                boolean header = policy.headerSays(request);
                String user = policy.userFrom().flatMap(u -> u.userOf(request)).orElse(null);
                boolean pilot = strategy.isPilot(route, state.users(), state.percentage(), user, header);
                yield new Decision(Mode.PILOT, pilot, true, pilot);
            }
        };
    }

    /** The route's current state, as decisions see it. */
    public RouteState state(String route) {
        RouteState state = snapshot.parsed().get(route);
        if (state == null) {
            throw new IllegalArgumentException("unknown route '" + route + "' (known: " + features.keySet() + ")");
        }
        return state;
    }

    /** Every route's state, in config order. */
    public Map<String, RouteState> states() {
        return snapshot.parsed();
    }

    /** Routes whose state this instance wrote from the config, because the repository had none yet. */
    public List<String> initializedFromConfig() {
        return List.copyOf(fromConfig);
    }

    /** Routes whose recording this instance turned on from the config, because the repository had none yet. */
    public List<String> recordingInitializedFromConfig() {
        return List.copyOf(recordingFromConfig);
    }

    /** Whether the route records, and when that was last set. Reads memory only; safe on an event loop. */
    public Recording recording(String route) {
        Recording r = snapshot.recording().get(route);
        if (r == null) {
            throw new IllegalArgumentException("unknown route '" + route + "' (known: " + features.keySet() + ")");
        }
        return r;
    }

    public List<String> routes() {
        return List.copyOf(features.keySet());
    }

    public boolean killSwitch() {
        return snapshot.killed();
    }

    /** False while the repository cannot be read; decisions use the last state read. */
    public boolean reachable() {
        return reachable;
    }

    /**
     * Sets a route's state; decisions here use it at once, other instances after their next refresh.
     *
     * @return the state it replaced
     * @throws IllegalArgumentException for an unknown route
     * @throws RuntimeException if the repository cannot be written (nothing changed)
     */
    public synchronized RouteState set(String route, RouteState state) {
        RouteState before = state(route);
        repository.setFeatureState(toFeatureState(route, state));
        reload();
        return before;
    }

    /**
     * Turns a route's recording on or off; here at once, on other instances after their next refresh.
     *
     * @return what it replaced
     * @throws IllegalArgumentException for an unknown route
     * @throws RuntimeException if the repository cannot be written (nothing changed)
     */
    public synchronized Recording setRecording(String route, boolean on, long changedAt) {
        Recording before = recording(route);
        repository.setFeatureState(toFeatureState(route, new Recording(on, changedAt)));
        reload();
        return before;
    }

    /** Turns the kill switch on or off; returns the previous setting. Routes keep their modes underneath. */
    public synchronized boolean setKillSwitch(boolean on) {
        boolean before = snapshot.killed();
        repository.setFeatureState(new FeatureState(killSwitch, on));
        reload();
        return before;
    }

    /** Re-reads the repository. Runs on the refresh thread, and after a local change. */
    public synchronized void reload() {
        try {
            Map<String, FeatureState> routes = new LinkedHashMap<>();
            for (Map.Entry<String, Feature> e : features.entrySet()) {
                FeatureState fs = repository.getFeatureState(e.getValue());
                routes.put(e.getKey(), fs != null ? fs : snapshot.routes().getOrDefault(e.getKey(),
                        initialStates.get(e.getKey())));
            }
            Map<String, Recording> recording = new LinkedHashMap<>();
            for (Map.Entry<String, Feature> e : recordFeatures.entrySet()) {
                FeatureState fs = repository.getFeatureState(e.getValue());
                recording.put(e.getKey(), fs != null ? toRecording(fs) : snapshot.recording().getOrDefault(e.getKey(),
                        initialRecording.get(e.getKey())));
            }
            FeatureState kill = repository.getFeatureState(killSwitch);
            snapshot = new Snapshot(Collections.unmodifiableMap(routes), recording, kill != null && kill.isEnabled());
            if (!reachable) {
                log.info("toggle state is readable again");
            }
            reachable = true;
        } catch (RuntimeException e) {
            if (reachable) {
                log.warn("toggle state cannot be read ({}); keeping the last known state", e.toString());
            }
            reachable = false;
        }
    }

    static FeatureState toFeatureState(String route, RouteState state) {
        FeatureState fs = new FeatureState(new NamedFeature(FEATURE_PREFIX + route), true);
        fs.setStrategyId(PilotActivationStrategy.ID);
        fs.setParameter(MODE, state.mode().configName());
        fs.setParameter(PilotActivationStrategy.USERS, String.join(",", new java.util.TreeSet<>(state.users())));
        fs.setParameter(PilotActivationStrategy.PERCENTAGE, String.valueOf(state.percentage()));
        fs.setParameter(PilotActivationStrategy.ROUTE, route);
        return fs;
    }

    static FeatureState toFeatureState(String route, Recording recording) {
        FeatureState fs = new FeatureState(new NamedFeature(RECORD_PREFIX + route), recording.on());
        fs.setParameter(CHANGED_AT, String.valueOf(recording.changedAt()));
        return fs;
    }

    static Recording toRecording(FeatureState fs) {
        long changedAt;
        try {
            changedAt = Long.parseLong(String.valueOf(fs.getParameter(CHANGED_AT)));
        } catch (NumberFormatException e) {
            changedAt = 0;
        }
        return new Recording(fs.isEnabled(), changedAt);
    }

    static Mode modeOf(FeatureState fs) {
        if (!fs.isEnabled()) {
            return Mode.LEGACY;
        }
        return Mode.parse(String.valueOf(fs.getParameter(MODE))).orElse(Mode.LEGACY);
    }

    static RouteState toRouteState(FeatureState fs) {
        return new RouteState(modeOf(fs), PilotActivationStrategy.users(fs),
                Math.max(0, Math.min(100, PilotActivationStrategy.percentage(fs))));
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
