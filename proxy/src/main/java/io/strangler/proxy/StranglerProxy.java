package io.strangler.proxy;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.strangler.comparator.EndpointTemplates;
import io.strangler.comparator.NoiseDetector;
import io.strangler.comparator.ResponseComparator;
import io.strangler.proxy.admin.AdminApi;
import io.strangler.proxy.admin.AdminServer;
import io.strangler.proxy.config.ComparisonConfig;
import io.strangler.proxy.config.ProxyConfig;
import io.strangler.proxy.config.StoreConfig;
import io.strangler.proxy.config.RouteConfig;
import io.strangler.proxy.config.UpstreamConfig;
import io.strangler.proxy.inbound.DrainEvent;
import io.strangler.proxy.inbound.ProxyChannelInitializer;
import io.strangler.proxy.inbound.ProxyRuntime;
import io.strangler.proxy.metrics.ProxyMeters;
import io.strangler.proxy.metrics.RouteMeters;
import io.strangler.proxy.report.ReportBuilder;
import io.strangler.proxy.routing.Route;
import io.strangler.proxy.routing.RoutingTable;
import io.strangler.proxy.shadow.ShadowDispatcher;
import io.strangler.proxy.shadow.ShadowResultListener;
import io.strangler.proxy.shadow.ShadowRoute;
import io.strangler.proxy.record.Recorder;
import io.strangler.proxy.record.UnavailableRecording;
import io.strangler.proxy.store.DivergenceStore;
import io.strangler.proxy.store.Redactor;
import io.strangler.proxy.store.StoreDatabase;
import io.strangler.proxy.store.StoreException;
import io.strangler.proxy.toggle.AutoRollback;
import io.strangler.proxy.toggle.ToggleService;
import io.strangler.proxy.upstream.Upstream;
import io.strangler.toggles.Mode;
import io.strangler.toggles.RouteState;
import io.strangler.toggles.RouteToggles;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running proxy: the composition root that wires config, event loops, upstream pools and the listener. Start it
 * with {@link #start}; stop it with {@link #shutdown} (drain in-flight requests) or {@link #close} (at once).
 *
 * <p>Thread-safe.
 */
public final class StranglerProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StranglerProxy.class);
    /** How often toggle state is re-read from its repository. */
    static final Duration TOGGLE_REFRESH = Duration.ofMillis(500);

    private final EventLoopGroup group;
    private final Map<String, Upstream> upstreams;
    private final ProxyRuntime runtime;
    private final ShadowDispatcher shadows;
    private final Optional<DivergenceStore> store;
    private final Optional<AdminServer> admin;
    private final AutoRollback rollback;
    private final ToggleService toggleService;
    private final List<Recorder> recorders;
    private final PrometheusMeterRegistry registry;
    private final Channel serverChannel;
    private final BackgroundThreads backgroundThreads;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private StranglerProxy(EventLoopGroup group, Map<String, Upstream> upstreams, ProxyRuntime runtime,
            ShadowDispatcher shadows, Optional<DivergenceStore> store, Optional<AdminServer> admin,
            AutoRollback rollback, ToggleService toggleService, List<Recorder> recorders,
            PrometheusMeterRegistry registry, Channel serverChannel, BackgroundThreads backgroundThreads) {
        this.backgroundThreads = backgroundThreads;
        this.rollback = rollback;
        this.toggleService = toggleService;
        this.recorders = recorders;
        this.group = group;
        this.upstreams = upstreams;
        this.runtime = runtime;
        this.shadows = shadows;
        this.store = store;
        this.admin = admin;
        this.registry = registry;
        this.serverChannel = serverChannel;
    }

    /**
     * Binds the listener and returns once it accepts connections.
     *
     * @throws IllegalStateException if the listener cannot bind (the message says where and why)
     */
    public static StranglerProxy start(ProxyConfig config) {
        return start(config, ShadowResultListener.NONE);
    }

    /**
     * Like {@link #start(ProxyConfig)}, and hands every compared or failed shadow result to {@code listener} (on a
     * compare thread or a shadow event loop).
     */
    public static StranglerProxy start(ProxyConfig config, ShadowResultListener listener) {
        requireNonNull(config, "config");
        requireNonNull(listener, "listener");
        Transport transport = Transport.select(config.listen().transport());
        int threads = config.listen().ioThreads() > 0 ? config.listen().ioThreads()
                : Runtime.getRuntime().availableProcessors();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // The JVM's own heap, threads and CPU, so memory and CPU can be watched next to the proxy's meters.
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        Optional<DivergenceStore> store = Optional.empty();
        if (config.store().isPresent()) {
            try {
                store = Optional.of(DivergenceStore.open(new StoreDatabase(config.store().get()), registry,
                        Clock.systemUTC()));
            } catch (StoreException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            listener = ShadowResultListener.both(listener, store.get());
        }
        // Filled below, before the listener binds: every route's recorder.
        Map<String, Recorder> recorderByRoute = new java.util.concurrent.ConcurrentHashMap<>();
        listener = ShadowResultListener.both(listener, new UnavailableRecording(recorderByRoute));
        Map<String, RouteState> initial = new LinkedHashMap<>();
        Map<String, Boolean> recording = new LinkedHashMap<>();
        for (RouteConfig r : config.routes()) {
            initial.put(r.id(), r.candidate().isEmpty() ? RouteState.of(Mode.LEGACY)
                    : new RouteState(r.mode().toggleMode(), r.pilot().users(), r.pilot().percentage()));
            recording.put(r.id(), r.record().enabled());
        }
        ToggleService toggleService = ToggleService.create(config.store().map(StoreDatabase::new), initial,
                recording, TOGGLE_REFRESH, Clock.systemUTC(), config.store().map(StoreConfig::instance)
                        .orElse(StoreConfig.defaultInstance()));
        RouteToggles toggles = toggleService.toggles();
        AutoRollback rollback = new AutoRollback(toggleService, registry);
        for (RouteConfig r : config.routes()) {
            for (Mode m : Mode.values()) {
                Gauge.builder(ProxyMeters.ROUTE_MODE.meterName(), toggles,
                        t -> t.state(r.id()).mode() == m ? 1 : 0)
                        .tags("route", r.id(), "mode", m.configName()).register(registry);
            }
        }
        Gauge.builder(ProxyMeters.KILL_SWITCH.meterName(), toggles, t -> t.killSwitch() ? 1 : 0).register(registry);
        EventLoopGroup group = transport.newGroup(threads, "strangler-io");
        ComparisonConfig comparison = config.comparison();
        ShadowDispatcher shadows = new ShadowDispatcher(config.shadowing(), transport, registry,
                new ResponseComparator(EndpointTemplates.withExtraIdPatterns(comparison.endpointIdPatterns())),
                new NoiseDetector(comparison.noiseRatio(), comparison.noiseMinSamples(), comparison.noiseMaxPaths()),
                listener, Clock.systemUTC());
        List<Recorder> recorders = new ArrayList<>();
        try {
            Redactor redactor = new Redactor(config.store().map(StoreConfig::redact)
                    .orElse(StoreConfig.Redaction.none()));
            String instance = config.store().map(StoreConfig::instance).orElse(StoreConfig.defaultInstance());
            Map<String, Upstream> upstreams = new LinkedHashMap<>();
            for (UpstreamConfig u : config.upstreams().values()) {
                upstreams.put(u.id(), new Upstream(u, transport, threads));
            }
            List<Route> routes = new ArrayList<>();
            for (RouteConfig r : config.routes()) {
                RouteMeters meters = new RouteMeters(registry, r.id());
                UpstreamConfig legacy = config.upstreams().get(r.legacy());
                Optional<ShadowRoute> shadow = r.candidate()
                        .map(c -> shadows.route(r, config.upstreams().get(c), legacy, meters));
                Optional<ShadowRoute> legacyShadow = r.candidate()
                        .map(c -> shadows.legacyShadowRoute(r, legacy, meters));
                // Every route can be switched to record at run time; its writer thread starts with its first record.
                Recorder rec = new Recorder(r.id(), r.record(), () -> toggles.recording(r.id()), redactor, instance,
                        registry, Clock.systemUTC());
                recorders.add(rec);
                recorderByRoute.put(r.id(), rec);
                Optional<Recorder> recorder = Optional.of(rec);
                routes.add(new Route(r, upstreams.get(r.legacy()), r.candidate().map(upstreams::get), shadow,
                        legacyShadow, meters, r.candidate().map(c -> rollback.watch(r.id(), r.circuitBreaker())),
                        recorder));
            }
            ProxyRuntime runtime = new ProxyRuntime(config.listen(), new RoutingTable(routes),
                    new DefaultChannelGroup("strangler-clients", GlobalEventExecutor.INSTANCE), toggles, registry);
            Gauge.builder(ProxyMeters.IN_FLIGHT.meterName(), runtime, ProxyRuntime::inFlight).register(registry);
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ProxyChannelInitializer(runtime));
            InetSocketAddress bindTo = new InetSocketAddress(config.listen().host(), config.listen().port());
            Channel server;
            try {
                server = bootstrap.bind(bindTo).syncUninterruptibly().channel();
            } catch (Exception e) {
                throw new IllegalStateException("cannot listen on " + config.listen().host() + ":"
                        + config.listen().port() + ": " + e.getMessage(), e);
            }
            Optional<AdminServer> admin = Optional.empty();
            if (config.admin().isPresent()) {
                try {
                    Optional<ReportBuilder> reports = config.store().map(sc -> new ReportBuilder(
                            new StoreDatabase(sc), Clock.systemUTC()));
                    admin = Optional.of(AdminServer.start(config.admin().get(), transport,
                            new AdminApi(registry, store, reports, toggleService,
                                    config.routes().stream().map(r -> new AdminApi.RouteSides(r.id(), r.legacy(),
                                            r.candidate())).toList())));
                } catch (IllegalStateException e) {
                    server.close().syncUninterruptibly();
                    throw e;
                }
            }
            // Last, so that the shadow loops, compare threads and store writer it lowers at once are running.
            BackgroundThreads background = BackgroundThreads.start(config.shadowing().backgroundCpu());
            StranglerProxy proxy = new StranglerProxy(group, upstreams, runtime, shadows, store, admin, rollback,
                    toggleService, List.copyOf(recorders), registry, server, background);
            log.info("strangler listening on {} ({} transport, {} I/O threads, {} routes, shadow work {})",
                    proxy.address(), transport.name(), threads, routes.size(), background.describe());
            return proxy;
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            shadows.close();
            store.ifPresent(DivergenceStore::close);
            recorders.forEach(Recorder::close);
            toggleService.close();
            rollback.close();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** Every meter of this proxy; {@code scrape()} gives the Prometheus text format. */
    public PrometheusMeterRegistry meterRegistry() {
        return registry;
    }

    /** Route modes and the kill switch. */
    public RouteToggles toggles() {
        return runtime.toggles();
    }

    /** Audited changes to route modes and the kill switch (what the admin API and the CLI call). */
    public ToggleService toggleService() {
        return toggleService;
    }

    /** The admin listener's port, unless the config has none. */
    public Optional<Integer> adminPort() {
        return admin.map(AdminServer::port);
    }

    /** The divergence store, unless the config has none. */
    public Optional<DivergenceStore> store() {
        return store;
    }

    /** The lowering of background threads' CPU scheduling. */
    public BackgroundThreads backgroundThreads() {
        return backgroundThreads;
    }

    /** Requests received and not yet answered. */
    public int inFlight() {
        return runtime.inFlight();
    }

    /**
     * Stops accepting connections, lets requests in flight finish for up to {@code drainTimeout}, closes idle
     * keep-alive connections at once and busy ones after their response, then stops. Blocks until done; call it
     * from a non-event-loop thread (the signal handler, a test).
     */
    public void shutdown(Duration drainTimeout) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        runtime.startDraining();
        serverChannel.close().syncUninterruptibly();
        runtime.clientChannels().forEach(ch -> ch.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE));
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        if (runtime.inFlight() > 0) {
            log.info("draining {} request(s) in flight (up to {})", runtime.inFlight(), drainTimeout);
        }
        while (runtime.inFlight() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int abandoned = runtime.inFlight();
        if (abandoned > 0) {
            log.warn("drain timeout: closing {} request(s) still in flight", abandoned);
        }
        runtime.clientChannels().close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        upstreams.values().forEach(Upstream::close);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        shadows.close();
        store.ifPresent(DivergenceStore::close);
        // After the drain: what the last requests recorded is written and the files are finished.
        recorders.forEach(Recorder::close);
        admin.ifPresent(AdminServer::close);
        rollback.close();
        runtime.toggles().close();
        backgroundThreads.close();
        registry.close();
        log.info("strangler stopped");
    }

    /** Stops at once: in-flight requests are cut. */
    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
