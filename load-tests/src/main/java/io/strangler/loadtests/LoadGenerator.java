package io.strangler.loadtests;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * An HTTP/1.1 load generator on one Netty event loop, for loopback targets only.
 *
 * <p>Open loop ({@code rate > 0}): requests are due at a constant rate whatever the server does, and each one's
 * latency is measured from when it was <em>due</em>, not from when a free connection finally sent it. So a server
 * that stalls is charged for every request that queued behind the stall (no coordinated omission). Closed loop
 * ({@code rate == 0}): every connection sends its next request as soon as the previous answer arrives; that finds
 * the maximum throughput, and its latencies describe only that load.
 *
 * <p>Alternating targets (open loop only): with more than one target, the due times are cut into slices of
 * {@link Plan#slice} and the slices go to the targets in turn (A, B, A, B, ...), each with its own connections and
 * latency histogram. Both targets then see the same minutes of the machine, so drift that lasts seconds (another
 * process, the hypervisor, a noisy neighbour) hits them alike instead of deciding a comparison made minute against
 * minute. The first {@link Plan#guard} of every slice is sent but not recorded, so work the previous slice left
 * behind (a shadow call still in flight) is not charged to the wrong target, and a target's first requests after its
 * pause do not make it look better than it is.
 *
 * <p>Bounded: it stops issuing after the duration or {@code maxRequests}, whichever comes first, and gives the
 * requests in flight, and those already due but still waiting for a connection, at most {@link #DRAIN} to be
 * answered; what is not answered by then is an error. Confined to its event loop after {@link #run} starts.
 */
public final class LoadGenerator {

    /** How long answers still in flight may take once issuing has stopped; later ones count as errors. */
    static final Duration DRAIN = Duration.ofSeconds(5);
    private static final long TICK_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    /** Due requests waiting for a free connection at most; beyond it they count as errors (dropped). */
    private static final int MAX_BACKLOG = 1_000_000;

    /**
     * The headers of a browser's API call besides {@code Host} (about 490 bytes: user agent, accept lists, a bearer
     * token, cookies), for load that looks like real traffic rather than the bare {@code Host} of most load tools.
     */
    public static final List<Map.Entry<String, String>> BROWSER_HEADERS = List.of(
            Map.entry("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                    + "Chrome/124.0.0.0 Safari/537.36"),
            Map.entry("Accept", "application/json, text/plain, */*"),
            Map.entry("Accept-Language", "en-GB,en;q=0.9,de;q=0.8"),
            Map.entry("Accept-Encoding", "gzip, deflate, br"),
            Map.entry("Referer", "https://shop.example.com/orders/12345"),
            Map.entry("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTQyIiwicm9sZSI6InVzZXIifQ"
                    + ".c2lnbmF0dXJl"),
            Map.entry("Cookie", "session=5f2b8c1e9a7d4e3f; theme=dark; consent=yes"),
            Map.entry("Sec-Fetch-Mode", "cors"),
            Map.entry("Sec-Fetch-Site", "same-origin"));

    /**
     * Where load goes: a loopback address, the path every request asks for, and headers every request carries
     * besides {@code Host}.
     */
    public record Target(InetSocketAddress address, String path, List<Map.Entry<String, String>> headers) {
        public Target {
            if (!address.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException("load only goes to loopback addresses, not " + address);
            }
            headers = List.copyOf(headers);
        }

        /** Requests with no header but {@code Host}. */
        public Target(InetSocketAddress address, String path) {
            this(address, path, List.of());
        }
    }

    /**
     * What to send and how hard.
     *
     * @param slice with several targets, how long each gets the load before the next one does
     * @param guard the start of each slice that is not recorded; shorter than {@code slice}
     * @param connections keep-alive connections per target
     */
    public record Plan(List<Target> targets, Duration slice, Duration guard, int connections, double rate,
            Duration warmUp, Duration duration, long maxRequests) {
        public Plan {
            targets = List.copyOf(targets);
            if (targets.isEmpty()) {
                throw new IllegalArgumentException("at least one target");
            }
            if (connections < 1 || rate < 0 || maxRequests < 1) {
                throw new IllegalArgumentException("connections >= 1, rate >= 0, maxRequests >= 1");
            }
            if (targets.size() > 1 && (rate == 0 || slice.isZero() || slice.isNegative() || guard.isNegative()
                    || guard.compareTo(slice) >= 0)) {
                throw new IllegalArgumentException("alternating targets need an open loop (rate > 0) and "
                        + "0 <= guard < slice");
            }
        }

        /** One target, the whole time. */
        public Plan(InetSocketAddress target, String path, int connections, double rate, Duration warmUp,
                Duration duration, long maxRequests) {
            this(new Target(target, path), connections, rate, warmUp, duration, maxRequests);
        }

        /** One target, the whole time. */
        public Plan(Target target, int connections, double rate, Duration warmUp, Duration duration,
                long maxRequests) {
            this(List.of(target), Duration.ZERO, Duration.ZERO, connections, rate, warmUp, duration, maxRequests);
        }

        /**
         * An open loop at {@code rate} with the targets taking turns, run until each has had {@code eachSeconds} of
         * due times; bounded at twice the requests that takes.
         */
        public static Plan alternating(List<Target> targets, Duration slice, Duration guard, int connections,
                double rate, Duration warmUp, int eachSeconds) {
            Duration duration = Duration.ofSeconds((long) eachSeconds * targets.size());
            return new Plan(targets, slice, guard, connections, rate, warmUp, duration,
                    (long) (rate * (duration.toSeconds() + warmUp.toSeconds()) * 2));
        }
    }

    /**
     * The measured part of a run (after warm-up). Latencies in microseconds.
     *
     * @param requests answers recorded, all targets together
     * @param latencyMicros every recorded latency, all targets together
     * @param reconnects connections the server closed after an answer ({@code Connection: close}), replaced
     * @param byTarget each target's own recorded latencies, in the order of {@link Plan#targets}
     * @param errorsByTarget each target's errors, in the same order
     */
    public record Result(long requests, long errors, double seconds, Histogram latencyMicros, long reconnects,
            List<Histogram> byTarget, List<Long> errorsByTarget) {
        public double throughput() {
            return requests / seconds;
        }

        public double percentileMillis(double p) {
            return millis(latencyMicros, p);
        }

        static double millis(Histogram h, double p) {
            return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(p) / 1000.0;
        }
    }

    /** An empty latency histogram in microseconds, up to five minutes, three significant digits. */
    static Histogram histogram() {
        return new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    }

    private final Plan plan;
    private final Runnable opened;
    private final Runnable closed;
    private final int targetCount;
    private final long sliceNanos;
    private final long guardNanos;
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();
    private final List<Histogram> histograms = new ArrayList<>();
    private final long[] errorsByTarget;
    private final List<ArrayDeque<Conn>> idle = new ArrayList<>();
    private final List<ArrayDeque<Long>> backlog = new ArrayList<>();
    private final List<Conn> all = new ArrayList<>();
    private final CompletableFuture<Result> done = new CompletableFuture<>();
    private long startNanos;
    private long measureFromNanos;
    private long stopIssuingNanos;
    private long issued;
    private long measured;
    private long inFlight;
    private ScheduledFuture<?> ticker;
    private boolean stopped;
    private boolean windowOpened;
    private Bootstrap bootstrap;
    private long reconnects;

    private LoadGenerator(Plan plan, Runnable opened, Runnable closed) {
        this.plan = plan;
        this.opened = opened;
        this.closed = closed;
        targetCount = plan.targets().size();
        sliceNanos = plan.slice().toNanos();
        guardNanos = plan.guard().toNanos();
        errorsByTarget = new long[targetCount];
        for (int i = 0; i < targetCount; i++) {
            histograms.add(histogram());
            idle.add(new ArrayDeque<>());
            backlog.add(new ArrayDeque<>());
        }
    }

    /** Runs the plan and returns its result; blocks the calling thread (never an event loop). */
    public static Result run(Plan plan) throws Exception {
        return run(plan, () -> { }, () -> { });
    }

    /**
     * As {@link #run(Plan)}, calling {@code opened} once when the measured window opens (warm-up over) and
     * {@code closed} once when issuing stops, e.g. to read a server's CPU time over the requests counted (a closed
     * loop counts the answers to requests sent in between). Both run on the generator's event loop, so they must
     * be quick (a read of a few /proc files is).
     */
    public static Result run(Plan plan, Runnable opened, Runnable closed) throws Exception {
        LoadGenerator g = new LoadGenerator(plan, opened, closed);
        try {
            g.loop.execute(g::start);
            long bound = plan.warmUp().plus(plan.duration()).plus(DRAIN).plusSeconds(30).toMillis();
            return g.done.get(bound, TimeUnit.MILLISECONDS);
        } finally {
            g.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private void start() {
        bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(16 << 20));
                    }
                });
        int[] pending = {targetCount * plan.connections()};
        for (int t = 0; t < targetCount; t++) {
            for (int i = 0; i < plan.connections(); i++) {
                int target = t;
                ChannelFuture f = bootstrap.connect(plan.targets().get(t).address());
                f.addListener(x -> {
                    if (f.isSuccess()) {
                        idle.get(target).add(open(f.channel(), target));
                    }
                    if (--pending[0] == 0) {
                        begin();
                    }
                });
            }
        }
    }

    private Conn open(Channel channel, int target) {
        Conn c = new Conn(channel, target);
        channel.pipeline().addLast(c);
        all.add(c);
        return c;
    }

    private void begin() {
        for (int t = 0; t < targetCount; t++) {
            if (idle.get(t).isEmpty()) {
                done.completeExceptionally(new IllegalStateException("cannot connect to "
                        + plan.targets().get(t).address()));
                return;
            }
        }
        startNanos = System.nanoTime();
        measureFromNanos = startNanos + plan.warmUp().toNanos();
        stopIssuingNanos = measureFromNanos + plan.duration().toNanos();
        loop.schedule((Runnable) this::open, measureFromNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (plan.rate() > 0) {
            ticker = loop.scheduleAtFixedRate(this::tick, 0, TICK_NANOS, TimeUnit.NANOSECONDS);
        } else {
            ticker = loop.scheduleAtFixedRate(this::checkStop, 10, 10, TimeUnit.MILLISECONDS);
            ArrayDeque<Conn> free = idle.get(0);
            while (!free.isEmpty()) {
                free.pollFirst().send(System.nanoTime());
            }
        }
    }

    /** The target whose slice the due time falls in. */
    private int targetAt(long intended) {
        return targetCount == 1 ? 0 : (int) (((intended - startNanos) / sliceNanos) % targetCount);
    }

    /** Whether a request due then is recorded: after warm-up, and past its slice's guard. */
    private boolean recorded(long intended) {
        return intended - measureFromNanos >= 0
                && (targetCount == 1 || (intended - startNanos) % sliceNanos >= guardNanos);
    }

    /** Open loop: issue every request that is due by now, each stamped with the time it was due. */
    private void tick() {
        long now = System.nanoTime();
        if (now - stopIssuingNanos >= 0 || issued >= plan.maxRequests()) {
            stopIssuing();
            return;
        }
        double intervalNanos = 1e9 / plan.rate();
        long due = (long) ((now - startNanos) / intervalNanos) + 1;
        while (issued < due && issued < plan.maxRequests()) {
            long intended = startNanos + (long) (issued * intervalNanos);
            issued++;
            int target = targetAt(intended);
            Conn c = idle.get(target).pollFirst();
            if (c != null) {
                c.send(intended);
            } else if (backlog.get(target).size() < MAX_BACKLOG) {
                backlog.get(target).addLast(intended);
            } else {
                countError(target, intended);
            }
        }
    }

    private void checkStop() {
        if (System.nanoTime() - stopIssuingNanos >= 0 || issued >= plan.maxRequests()) {
            stopIssuing();
        }
    }

    private void open() {
        if (!windowOpened) {
            windowOpened = true;
            opened.run();
        }
    }

    private void stopIssuing() {
        if (stopped) {
            return;
        }
        stopped = true;
        ticker.cancel(false);
        open(); // a request bound can end the run before the warm-up does
        closed.run();
        // Requests still queued were due before the stop: they go out as connections free up during the drain,
        // their latency counted from when they were due, like every other. Calling them errors would make a
        // server that was slow for the last few milliseconds look like one that failed.
        if (inFlight == 0 && backlogEmpty()) {
            finish();
        } else {
            loop.schedule(this::finish, DRAIN.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private boolean backlogEmpty() {
        for (ArrayDeque<Long> queued : backlog) {
            if (!queued.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private void finish() {
        if (done.isDone()) {
            return;
        }
        // What the drain did not get answered in time: never sent, or sent and still waiting.
        for (int t = 0; t < targetCount; t++) {
            ArrayDeque<Long> queued = backlog.get(t);
            while (!queued.isEmpty()) {
                countError(t, queued.pollFirst());
            }
        }
        for (Conn c : all) {
            if (c.busy && c.intended - measureFromNanos >= 0) {
                errorsByTarget[c.target]++;
            }
            c.channel.close();
        }
        Histogram merged = histogram();
        List<Histogram> copies = new ArrayList<>();
        List<Long> errors = new ArrayList<>();
        long errorTotal = 0;
        for (int t = 0; t < targetCount; t++) {
            merged.add(histograms.get(t));
            copies.add(histograms.get(t).copy());
            errors.add(errorsByTarget[t]);
            errorTotal += errorsByTarget[t];
        }
        double seconds = (stopIssuingNanos - measureFromNanos) / 1e9;
        done.complete(new Result(measured, errorTotal, seconds, merged, reconnects, copies, errors));
    }

    /** Errors count wherever they fall in the measured window, guard or not: an error is never noise. */
    private void countError(int target, long intended) {
        if (intended - measureFromNanos >= 0) {
            errorsByTarget[target]++;
        }
    }

    private void completed(Conn c, long intended, boolean ok) {
        inFlight--;
        long now = System.nanoTime();
        if (!ok) {
            countError(c.target, intended);
        } else if (recorded(intended)) {
            measured++;
            histograms.get(c.target).recordValue(Math.max(1, (now - intended) / 1000));
        }
        boolean usable = !c.retired && c.channel.isActive();
        if (stopped) {
            // Only the open loop's queue is still worked through; the closed loop sends nothing new.
            if (usable && plan.rate() > 0) {
                next(c);
            }
            if (inFlight == 0 && backlogEmpty()) {
                finish();
            }
            return;
        }
        if (usable) {
            next(c);
        }
    }

    /** Gives a free connection its next request: a queued one (open loop) or a new one (closed loop). */
    private void next(Conn c) {
        long now = System.nanoTime();
        if (plan.rate() > 0) {
            Long next = backlog.get(c.target).pollFirst();
            if (next != null) {
                c.send(next);
            } else {
                idle.get(c.target).addLast(c);
            }
        } else if (issued < plan.maxRequests()) {
            issued++;
            c.send(now);
        }
    }

    /**
     * Replaces a connection the server closed after its answer (nginx does so after {@code keepalive_requests}):
     * a server ending a keep-alive connection politely is not an error, and the load must go on.
     */
    private void replace(int target) {
        reconnects++;
        ChannelFuture f = bootstrap.connect(plan.targets().get(target).address());
        f.addListener(x -> {
            if (!f.isSuccess()) {
                errorsByTarget[target]++;
                return;
            }
            Conn c = open(f.channel(), target);
            if (stopped) {
                c.channel.close();
            } else {
                next(c);
            }
        });
    }

    /** One keep-alive connection to one target with at most one request in flight. */
    private final class Conn extends SimpleChannelInboundHandler<FullHttpResponse> {
        final Channel channel;
        final int target;
        long intended;
        boolean busy;
        boolean retired;

        Conn(Channel channel, int target) {
            this.channel = channel;
            this.target = target;
        }

        void send(long intendedNanos) {
            intended = intendedNanos;
            busy = true;
            inFlight++;
            Target t = plan.targets().get(target);
            DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, t.path());
            req.headers().set(HttpHeaderNames.HOST, t.address().getHostString() + ":" + t.address().getPort());
            for (Map.Entry<String, String> h : t.headers()) {
                req.headers().add(h.getKey(), h.getValue());
            }
            channel.writeAndFlush(req, channel.voidPromise());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
            busy = false;
            boolean ok = res.decoderResult().isSuccess() && res.status().code() < 400;
            if (!HttpUtil.isKeepAlive(res)) {
                retired = true;
                all.remove(this);
                channel.close();
                if (!stopped) {
                    replace(target);
                }
            }
            completed(this, intended, ok);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            idle.get(target).remove(this);
            if (busy) {
                busy = false;
                completed(this, intended, false);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }
}
