package io.strangler.loadtests;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback HTTP server that plays legacy or a candidate in benchmarks: it answers at once with a small fixed JSON
 * body, after a fixed delay, every other request with a 500, or never (accepts and stays silent). Counts the
 * requests it got.
 */
final class Backend implements AutoCloseable {

    enum Behaviour { FAST, FAST_DIFFERENT, SLOW_2S, HANG, ERRORS_50 }

    static final String BODY = "{\"id\":1,\"name\":\"Widget\",\"price\":9.99,\"tags\":[\"a\",\"b\"],\"stock\":12}";

    private final MultiThreadIoEventLoopGroup group;
    private final Channel server;
    private final AtomicLong requests = new AtomicLong();

    Backend(Behaviour behaviour, int threads) {
        group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        // The same answer with another price: every comparison finds one difference.
        byte[] different = BODY.replace("9.99", "10.49").getBytes(StandardCharsets.UTF_8);
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        boolean request = msg instanceof HttpRequest;
                                        ReferenceCountUtil.release(msg);
                                        if (!request) {
                                            return;
                                        }
                                        long n = requests.incrementAndGet();
                                        switch (behaviour) {
                                            case FAST -> ctx.writeAndFlush(response(body));
                                            case FAST_DIFFERENT -> ctx.writeAndFlush(response(different));
                                            case SLOW_2S -> ctx.executor().schedule(
                                                    () -> ctx.writeAndFlush(response(body)), 2, TimeUnit.SECONDS);
                                            case HANG -> { }
                                            case ERRORS_50 -> ctx.writeAndFlush(n % 2 == 0 ? response(body)
                                                    : error());
                                        }
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        // A client resetting its connection (a proxy closing a pooled one) is normal.
                                        ctx.close();
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }

    private static FullHttpResponse response(byte[] body) {
        ByteBuf content = Unpooled.wrappedBuffer(body);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return res;
    }

    private static FullHttpResponse error() {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.INTERNAL_SERVER_ERROR, Unpooled.EMPTY_BUFFER);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return res;
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /**
     * Puts this backend's event loop threads at Linux's {@code SCHED_IDLE} ({@code chrt --idle}), so that they run
     * only on CPU time the rest of the machine leaves: a stand-in for a backend on machines of its own.
     *
     * @throws IllegalStateException if a thread could not be lowered
     */
    void runAtIdlePriority() throws Exception {
        for (io.netty.util.concurrent.EventExecutor loop : group) {
            long tid = loop.submit(io.strangler.proxy.BackgroundThreads::currentTaskId).get(5, TimeUnit.SECONDS);
            String failure = io.strangler.proxy.BackgroundThreads.setIdle(tid);
            if (failure != null) {
                throw new IllegalStateException("the backend's thread " + tid + " stays as it is: " + failure);
            }
        }
    }

    long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
