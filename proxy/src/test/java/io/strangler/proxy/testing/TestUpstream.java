package io.strangler.proxy.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A real HTTP server on a free loopback port, playing an upstream in tests. In HTTP mode each request is decoded
 * and handed to a {@link Behaviour}; in raw mode the behaviour gets the channel after the request headers and
 * writes whatever bytes it likes (malformed responses, resets). It counts accepted connections and records
 * requests.
 */
public final class TestUpstream implements AutoCloseable {

    /** What the server does with one request. The fixture releases the request after the call. */
    @FunctionalInterface
    public interface Behaviour {
        void handle(ChannelHandlerContext ctx, FullHttpRequest request) throws Exception;
    }

    /** What a raw server does once a request's headers have arrived. */
    @FunctionalInterface
    public interface RawBehaviour {
        void handle(Channel channel, String requestHead) throws Exception;
    }

    /** A request as the upstream saw it. */
    public record Recorded(String method, String uri, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase());
            return v == null ? null : v.get(0);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final EventLoopGroup group;
    private final Channel server;
    private final int port;
    private final java.net.Socket holder;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger maxOpenConnections = new AtomicInteger();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();

    private TestUpstream(Behaviour http, RawBehaviour raw) {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        int open = openConnections.incrementAndGet();
                        maxOpenConnections.accumulateAndGet(open, Math::max);
                        ch.closeFuture().addListener(f -> openConnections.decrementAndGet());
                        if (http != null) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(200 << 20),
                                    new HttpHandler(http));
                        } else {
                            ch.pipeline().addLast(new RawHandler(raw));
                        }
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        port = ((InetSocketAddress) server.localAddress()).getPort();
        holder = null;
    }

    /**
     * An address that refuses connections: a loopback port held by a socket that is bound but never listens, so
     * nothing else can take the port while the test runs, and every connect gets a reset.
     */
    public static TestUpstream refusing() {
        try {
            java.net.Socket holder = new java.net.Socket();
            holder.bind(new InetSocketAddress("127.0.0.1", 0));
            return new TestUpstream(holder);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private TestUpstream(java.net.Socket holder) {
        this.group = null;
        this.server = null;
        this.holder = holder;
        this.port = holder.getLocalPort();
    }

    public static TestUpstream http(Behaviour behaviour) {
        return new TestUpstream(behaviour, null);
    }

    public static TestUpstream raw(RawBehaviour behaviour) {
        return new TestUpstream(null, behaviour);
    }

    /** Answers every request with {@code status} and a text body. */
    public static TestUpstream respondingWith(int status, String body) {
        return http((ctx, req) -> ctx.writeAndFlush(response(req, status, body)));
    }

    /** A complete response that honours the request's keep-alive. */
    public static FullHttpResponse response(FullHttpRequest req, int status, String body) {
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                content);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        HttpUtil.setContentLength(res, content.readableBytes());
        HttpUtil.setKeepAlive(res, HttpUtil.isKeepAlive(req));
        return res;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** Connections accepted since start. */
    public int connectionsAccepted() {
        return connections.get();
    }

    /** Connections open right now. */
    public int openConnections() {
        return openConnections.get();
    }

    /** The most connections that were ever open at once, as this server saw them. */
    public int maxOpenConnections() {
        return maxOpenConnections.get();
    }

    public List<Recorded> requests() {
        return requests;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (holder != null) {
            try {
                holder.close();
            } catch (java.io.IOException ignored) {
                // nothing listened on it anyway
            }
            return;
        }
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class HttpHandler extends ChannelInboundHandlerAdapter {
        private final Behaviour behaviour;

        HttpHandler(Behaviour behaviour) {
            this.behaviour = behaviour;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (!(msg instanceof FullHttpRequest req)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            try {
                byte[] body = new byte[req.content().readableBytes()];
                req.content().getBytes(req.content().readerIndex(), body);
                Map<String, List<String>> headers = req.headers().names().stream().collect(Collectors.toMap(
                        n -> n.toLowerCase(), n -> List.copyOf(req.headers().getAll(n)), (a, b) -> a));
                requests.add(new Recorded(req.method().name(), req.uri(), headers, body));
                behaviour.handle(ctx, req);
            } finally {
                req.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private final class RawHandler extends ChannelInboundHandlerAdapter {
        private final RawBehaviour behaviour;
        private final StringBuilder head = new StringBuilder();
        private boolean handled;

        RawHandler(RawBehaviour behaviour) {
            this.behaviour = behaviour;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            ByteBuf buf = (ByteBuf) msg;
            try {
                if (handled) {
                    return;
                }
                head.append(buf.toString(StandardCharsets.ISO_8859_1));
                int end = head.indexOf("\r\n\r\n");
                if (end >= 0) {
                    handled = true;
                    String h = head.substring(0, end);
                    requests.add(new Recorded(h.split(" ")[0], h.split(" ")[1], Map.of(), new byte[0]));
                    behaviour.handle(ctx.channel(), h);
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (handled && ctx.channel().isActive()) {
                // Ready for the next request on a keep-alive connection.
                head.setLength(0);
                handled = false;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Writes raw bytes and, if asked, closes afterwards. */
    public static void writeRaw(Channel ch, String text, boolean close) {
        var f = ch.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        if (close) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
