package io.strangler.proxy.demo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.strangler.proxy.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small JSON shop API that plays the legacy or the candidate system in {@code ./strangler demo}. The candidate
 * flavour differs on purpose in a few places, so that there is something to find once comparison is on:
 * <ul>
 *   <li>{@code GET /api/items/3}: the price is 24.5 instead of 24.99 (a real bug);</li>
 *   <li>{@code GET /api/items}: every item has an extra {@code currency} field;</li>
 *   <li>{@code GET /api/items}: answers 300 ms later than legacy (the slow endpoint);</li>
 *   <li>{@code POST /api/orders}: the status is {@code CREATED} instead of {@code created};</li>
 *   <li>every response carries a fresh {@code generatedAt} timestamp (noise, on both sides).</li>
 * </ul>
 * Endpoints: {@code GET /api/items}, {@code GET /api/items/{id}}, {@code POST /api/orders},
 * {@code GET /api/orders/{id}}, {@code GET /api/time}, {@code GET /health}.
 */
public final class DemoBackend implements AutoCloseable {

    /** Which system this instance plays. */
    public enum Flavor { LEGACY, CANDIDATE }

    private record Item(int id, String name, String price) {
    }

    private static final List<Item> ITEMS = List.of(
            new Item(1, "Widget", "9.99"),
            new Item(2, "Gadget", "14.5"),
            new Item(3, "Doohickey", "24.99"),
            new Item(4, "Thingamajig", "3.75"));

    private final Flavor flavor;
    private final Clock clock;
    private final EventLoopGroup group;
    private final Channel channel;
    private final Map<Long, String> orders = new ConcurrentHashMap<>();
    private final AtomicLong nextOrder = new AtomicLong(1000);

    private DemoBackend(Flavor flavor, Clock clock, EventLoopGroup group, Channel channel) {
        this.flavor = flavor;
        this.clock = clock;
        this.group = group;
        this.channel = channel;
    }

    /** Starts the service on a free loopback port. */
    public static DemoBackend start(Flavor flavor, Clock clock) {
        Transport transport = Transport.select("nio");
        EventLoopGroup group = transport.newGroup(1, "demo-" + flavor.name().toLowerCase(Locale.ROOT));
        DemoBackend[] self = new DemoBackend[1];
        Channel ch = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new Handler(self));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        self[0] = new DemoBackend(flavor, clock, group, ch);
        return self[0];
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    public Flavor flavor() {
        return flavor;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final DemoBackend[] backend;

        Handler(DemoBackend[] backend) {
            this.backend = backend;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            FullHttpResponse res = backend[0].respond(req);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(res, keepAlive);
            if (backend[0].slow(req)) {
                ctx.executor().schedule(() -> write(ctx, res, keepAlive), SLOW_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                write(ctx, res, keepAlive);
            }
        }

        private static void write(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive) {
            if (keepAlive) {
                ctx.writeAndFlush(res);
            } else {
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    /** How much longer the candidate takes on its slow endpoint. */
    static final long SLOW_MILLIS = 300;

    private boolean slow(FullHttpRequest req) {
        return flavor == Flavor.CANDIDATE && new QueryStringDecoder(req.uri()).path().equals("/api/items");
    }

    private FullHttpResponse respond(FullHttpRequest req) {
        String path = new QueryStringDecoder(req.uri()).path();
        // HEAD is GET without a body; the codec drops the body on the way out.
        HttpMethod method = req.method().equals(HttpMethod.HEAD) ? HttpMethod.GET : req.method();
        boolean candidate = flavor == Flavor.CANDIDATE;
        String now = clock.instant().toString();
        if (path.equals("/health")) {
            return json(HttpResponseStatus.OK, "{\"status\":\"up\"}");
        }
        if (path.equals("/api/time")) {
            return json(HttpResponseStatus.OK, "{\"now\":\"" + now + "\",\"nonce\":"
                    + ThreadLocalRandom.current().nextInt(1_000_000) + "}");
        }
        if (path.equals("/api/items") && method.equals(HttpMethod.GET)) {
            StringBuilder sb = new StringBuilder("{\"items\":[");
            for (int i = 0; i < ITEMS.size(); i++) {
                sb.append(i == 0 ? "" : ",").append(item(ITEMS.get(i), candidate));
            }
            sb.append("],\"count\":").append(ITEMS.size()).append(",\"generatedAt\":\"").append(now).append("\"}");
            return json(HttpResponseStatus.OK, sb.toString());
        }
        if (path.startsWith("/api/items/") && method.equals(HttpMethod.GET)) {
            String id = path.substring("/api/items/".length());
            for (Item it : ITEMS) {
                if (String.valueOf(it.id()).equals(id)) {
                    String body = candidate && it.id() == 3
                            ? "{\"id\":3,\"name\":\"Doohickey\",\"price\":24.5"
                            : "{\"id\":" + it.id() + ",\"name\":\"" + it.name() + "\",\"price\":" + it.price();
                    return json(HttpResponseStatus.OK, body + ",\"generatedAt\":\"" + now + "\"}");
                }
            }
            return json(HttpResponseStatus.NOT_FOUND, "{\"error\":\"no such item\",\"id\":\"" + id.replace("\"", "")
                    + "\"}");
        }
        if (path.equals("/api/orders") && method.equals(HttpMethod.POST)) {
            long id = nextOrder.getAndIncrement();
            String body = req.content().toString(StandardCharsets.UTF_8);
            orders.put(id, body);
            String status = candidate ? "CREATED" : "created";
            return json(HttpResponseStatus.CREATED, "{\"id\":" + id + ",\"status\":\"" + status
                    + "\",\"bytes\":" + body.length() + ",\"generatedAt\":\"" + now + "\"}");
        }
        if (path.startsWith("/api/orders/") && method.equals(HttpMethod.GET)) {
            String id = path.substring("/api/orders/".length());
            try {
                if (orders.containsKey(Long.parseLong(id))) {
                    return json(HttpResponseStatus.OK, "{\"id\":" + id + ",\"status\":\"created\"}");
                }
            } catch (NumberFormatException e) {
                // falls through to 404
            }
            return json(HttpResponseStatus.NOT_FOUND, "{\"error\":\"no such order\"}");
        }
        return json(HttpResponseStatus.NOT_FOUND, "{\"error\":\"not found\"}");
    }

    private static String item(Item it, boolean candidate) {
        return "{\"id\":" + it.id() + ",\"name\":\"" + it.name() + "\",\"price\":" + it.price()
                + (candidate ? ",\"currency\":\"EUR\"" : "") + "}";
    }

    private static FullHttpResponse json(HttpResponseStatus status, String body) {
        byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(bytes));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return res;
    }
}
