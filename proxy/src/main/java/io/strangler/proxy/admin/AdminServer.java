package io.strangler.proxy.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.strangler.proxy.Transport;
import io.strangler.proxy.config.AdminConfig;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The admin listener: its own port, its own event loop (one thread) and its own worker threads for anything that
 * reads the store, so that neither admin traffic nor a slow report ever shares a thread with live traffic.
 *
 * <p>Thread-safe; {@link #close} stops it.
 */
public final class AdminServer implements AutoCloseable {

    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int WORKERS = 2;

    private final EventLoopGroup group;
    private final LiveFeed live;
    private final ThreadPoolExecutor workers;
    private final Channel channel;
    private final ChannelGroup connections;

    private AdminServer(EventLoopGroup group, LiveFeed live, ThreadPoolExecutor workers, Channel channel,
            ChannelGroup connections) {
        this.group = group;
        this.live = live;
        this.workers = workers;
        this.channel = channel;
        this.connections = connections;
    }

    /**
     * Binds the admin port.
     *
     * @throws IllegalStateException if it cannot bind (the message says where and why)
     */
    public static AdminServer start(AdminConfig config, Transport transport, AdminApi api) {
        EventLoopGroup group = transport.newGroup(1, "strangler-admin");
        AtomicInteger ids = new AtomicInteger();
        ThreadPoolExecutor workers = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(64), r -> {
                    Thread t = new Thread(r, "strangler-admin-worker-" + ids.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        AdminHandler.Tokens tokens = new AdminHandler.Tokens(config.tokens());
        StaticAssets assets = StaticAssets.load();
        LiveFeed live = new LiveFeed(api);
        ChannelGroup connections = new DefaultChannelGroup("strangler-admin", GlobalEventExecutor.INSTANCE);
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            connections.add(c);
                            c.pipeline().addLast(new IdleStateHandler(0, 0, 60, TimeUnit.SECONDS),
                                    new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY_BYTES),
                                    new AdminHandler(api, tokens, workers, live, assets));
                        }
                    })
                    .bind(new InetSocketAddress(config.host(), config.port())).syncUninterruptibly().channel();
            live.start();
            return new AdminServer(group, live, workers, ch, connections);
        } catch (RuntimeException e) {
            live.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownNow();
            throw new IllegalStateException("cannot listen for admin on " + config.host() + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        live.close();
        // Close open keep-alive connections first, and give the loop a moment to see their closes complete: a
        // loop stopped with reads still in flight (io_uring) can lose their buffers.
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(50, 2000, TimeUnit.MILLISECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdownNow();
    }
}
