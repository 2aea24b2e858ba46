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
 * <p>Bounded: it stops issuing after the duration or {@code maxRequests}, whichever comes first, and gives answers
 * in flight at most {@link #DRAIN} to arrive. Confined to its event loop after {@link #run} starts.
 */
public final class LoadGenerator {

    /** How long answers still in flight may take once issuing has stopped; later ones count as errors. */
    static final Duration DRAIN = Duration.ofSeconds(5);
    private static final long TICK_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    /** Due requests waiting for a free connection at most; beyond it they count as errors (dropped). */
    private static final int MAX_BACKLOG = 1_000_000;

    /** What to send and how hard. */
    public record Plan(InetSocketAddress target, String path, int connections, double rate, Duration warmUp,
            Duration duration, long maxRequests) {
        public Plan {
            if (!target.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException("load only goes to loopback addresses, not " + target);
            }
            if (connections < 1 || rate < 0 || maxRequests < 1) {
                throw new IllegalArgumentException("connections >= 1, rate >= 0, maxRequests >= 1");
            }
        }
    }

    /** The measured part of a run (after warm-up). Latencies in microseconds. */
    /** @param reconnects connections the server closed after an answer ({@code Connection: close}), replaced */
    public record Result(long requests, long errors, double seconds, Histogram latencyMicros, long reconnects) {
        public double throughput() {
            return requests / seconds;
        }

        public double percentileMillis(double p) {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN
                    : latencyMicros.getValueAtPercentile(p) / 1000.0;
        }
    }

    private final Plan plan;
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();
    private final Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    private final ArrayDeque<Conn> idle = new ArrayDeque<>();
    private final ArrayDeque<Long> backlog = new ArrayDeque<>();
    private final List<Conn> all = new ArrayList<>();
    private final CompletableFuture<Result> done = new CompletableFuture<>();
    private long startNanos;
    private long measureFromNanos;
    private long stopIssuingNanos;
    private long issued;
    private long measured;
    private long errors;
    private long inFlight;
    private ScheduledFuture<?> ticker;
    private boolean stopped;
    private Bootstrap bootstrap;
    private long reconnects;

    private LoadGenerator(Plan plan) {
        this.plan = plan;
    }

    /** Runs the plan and returns its result; blocks the calling thread (never an event loop). */
    public static Result run(Plan plan) throws Exception {
        LoadGenerator g = new LoadGenerator(plan);
        try {
            g.loop.execute(g::start);
            long bound = plan.warmUp().plus(plan.duration()).plus(DRAIN).plusSeconds(30).toMillis();
            return g.done.get(bound, TimeUnit.MILLISECONDS);
        } finally {
            g.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private void start() {
        Bootstrap b = bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(16 << 20));
                    }
                });
        List<ChannelFuture> connecting = new ArrayList<>();
        for (int i = 0; i < plan.connections(); i++) {
            connecting.add(b.connect(plan.target()));
        }
        int[] pending = {connecting.size()};
        for (ChannelFuture f : connecting) {
            f.addListener(x -> {
                if (f.isSuccess()) {
                    Conn c = new Conn(f.channel());
                    f.channel().pipeline().addLast(c);
                    all.add(c);
                    idle.add(c);
                } else {
                    errors++;
                }
                if (--pending[0] == 0) {
                    begin();
                }
            });
        }
    }

    private void begin() {
        if (all.isEmpty()) {
            done.completeExceptionally(new IllegalStateException("cannot connect to " + plan.target()));
            return;
        }
        errors = 0;
        startNanos = System.nanoTime();
        measureFromNanos = startNanos + plan.warmUp().toNanos();
        stopIssuingNanos = measureFromNanos + plan.duration().toNanos();
        if (plan.rate() > 0) {
            ticker = loop.scheduleAtFixedRate(this::tick, 0, TICK_NANOS, TimeUnit.NANOSECONDS);
        } else {
            ticker = loop.scheduleAtFixedRate(this::checkStop, 10, 10, TimeUnit.MILLISECONDS);
            for (Conn c : new ArrayList<>(idle)) {
                idle.remove(c);
                c.send(System.nanoTime());
            }
        }
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
            Conn c = idle.pollFirst();
            if (c != null) {
                c.send(intended);
            } else if (backlog.size() < MAX_BACKLOG) {
                backlog.addLast(intended);
            } else {
                countError(intended);
            }
        }
    }

    private void checkStop() {
        if (System.nanoTime() - stopIssuingNanos >= 0 || issued >= plan.maxRequests()) {
            stopIssuing();
        }
    }

    private void stopIssuing() {
        if (stopped) {
            return;
        }
        stopped = true;
        ticker.cancel(false);
        // Requests still queued were due in the measured window: they never got an answer in time.
        while (!backlog.isEmpty()) {
            countError(backlog.pollFirst());
        }
        if (inFlight == 0) {
            finish();
        } else {
            loop.schedule(this::finish, DRAIN.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void finish() {
        if (done.isDone()) {
            return;
        }
        errors += inFlight;
        for (Conn c : all) {
            c.channel.close();
        }
        double seconds = (stopIssuingNanos - measureFromNanos) / 1e9;
        done.complete(new Result(measured, errors, seconds, histogram.copy(), reconnects));
    }

    private void countError(long intended) {
        if (intended - measureFromNanos >= 0) {
            errors++;
        }
    }

    private void completed(Conn c, long intended, boolean ok) {
        inFlight--;
        long now = System.nanoTime();
        if (intended - measureFromNanos >= 0) {
            if (ok) {
                measured++;
                histogram.recordValue(Math.max(1, (now - intended) / 1000));
            } else {
                errors++;
            }
        }
        if (stopped) {
            if (inFlight == 0) {
                finish();
            }
            return;
        }
        if (c.retired || !c.channel.isActive()) {
            return;
        }
        next(c);
    }

    /** Gives a free connection its next request: a queued one (open loop) or a new one (closed loop). */
    private void next(Conn c) {
        long now = System.nanoTime();
        if (plan.rate() > 0) {
            Long next = backlog.pollFirst();
            if (next != null) {
                c.send(next);
            } else {
                idle.addLast(c);
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
    private void replace() {
        reconnects++;
        ChannelFuture f = bootstrap.connect(plan.target());
        f.addListener(x -> {
            if (!f.isSuccess()) {
                errors++;
                return;
            }
            Conn c = new Conn(f.channel());
            f.channel().pipeline().addLast(c);
            all.add(c);
            if (stopped) {
                c.channel.close();
            } else {
                next(c);
            }
        });
    }

    /** One keep-alive connection with at most one request in flight. */
    private final class Conn extends SimpleChannelInboundHandler<FullHttpResponse> {
        final Channel channel;
        long intended;
        boolean busy;
        boolean retired;

        Conn(Channel channel) {
            this.channel = channel;
        }

        void send(long intendedNanos) {
            intended = intendedNanos;
            busy = true;
            inFlight++;
            DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                    plan.path());
            req.headers().set(HttpHeaderNames.HOST, plan.target().getHostString() + ":" + plan.target().getPort());
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
                    replace();
                }
            }
            completed(this, intended, ok);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            idle.remove(this);
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
