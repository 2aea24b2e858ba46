package io.strangler.proxy.inbound;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.strangler.proxy.exchange.ErrorResponses;
import io.strangler.proxy.exchange.ProxyError;
import io.strangler.proxy.exchange.RequestIds;
import io.strangler.proxy.exchange.RequestTarget;
import io.netty.handler.codec.http.HttpHeaders;
import io.strangler.proxy.routing.Route;
import io.strangler.toggles.Decision;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a client connection. It takes one complete request at a time (the channel does not read
 * the next one until the current response is out), routes it, and hands it to an {@link Exchange}. Requests that
 * cannot be passed on get a JSON error here.
 *
 * <p>One instance per channel; confined to its event loop.
 */
final class InboundExchangeHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(InboundExchangeHandler.class);

    private final ProxyRuntime runtime;
    private final InboundTimeouts timeouts;
    private ChannelHandlerContext ctx;
    private String clientAddress;
    private Exchange current;
    private boolean closeRequested;

    InboundExchangeHandler(ProxyRuntime runtime, InboundTimeouts timeouts) {
        this.runtime = runtime;
        this.timeouts = timeouts;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        runtime.clientChannels().add(ctx.channel());
        SocketAddress remote = ctx.channel().remoteAddress();
        clientAddress = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(remote);
        if (runtime.isDraining()) {
            ctx.close();
            return;
        }
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request) || current != null) {
            // Flow control hands us one request at a time; anything else is a bug upstream in the pipeline.
            ReferenceCountUtil.release(msg);
            return;
        }
        timeouts.requestReceived();
        String requestId = RequestIds.of(request.headers());
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            request.release();
            ProxyError error = decodeError(decoded.cause());
            runtime.refused(error);
            log.debug("bad request from {}: {}", clientAddress, decoded.cause().toString());
            // The decoder's reason goes to the client: whoever wrote it can then see what to fix.
            ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), error, null, requestId, false,
                    decoded.cause().getMessage())).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (runtime.isDraining()) {
            closeRequested = true;
        }
        String target = RequestTarget.originForm(request.uri());
        Optional<Route> route = runtime.routing().match(request.headers().get(HttpHeaderNames.HOST),
                request.method().name(), target);
        if (route.isEmpty()) {
            boolean keepAlive = HttpUtil.isKeepAlive(request) && !closeRequested;
            request.release();
            runtime.refused(ProxyError.NO_ROUTE);
            ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), ProxyError.NO_ROUTE, null, requestId, keepAlive))
                    .addListener((ChannelFutureListener) f -> afterResponse(f.isSuccess() && keepAlive,
                            System.nanoTime()));
            return;
        }
        runtime.exchangeStarted();
        Route r = route.get();
        HttpHeaders headers = request.headers();
        Decision decision = r.candidate().isEmpty() ? Decision.LEGACY_ONLY
                : runtime.toggles().decide(r.id(), r.pilotPolicy(), headers::get);
        current = new Exchange(this, ctx, r, decision, request, target, requestId, clientAddress);
        current.begin();
    }

    private static ProxyError decodeError(Throwable cause) {
        if (cause instanceof TooLongHttpHeaderException) {
            return ProxyError.HEADERS_TOO_LARGE;
        }
        if (cause instanceof TooLongHttpLineException) {
            return ProxyError.URI_TOO_LONG;
        }
        return ProxyError.MALFORMED_REQUEST;
    }

    /** True once this connection must close after the current response (shutdown started). */
    boolean closeRequested() {
        return closeRequested;
    }

    /** The exchange is over; {@code nowNanos} is {@link System#nanoTime()} as it ended. */
    void exchangeFinished(boolean keepAlive, long nowNanos) {
        current = null;
        runtime.exchangeEnded();
        afterResponse(keepAlive, nowNanos);
    }

    private void afterResponse(boolean keepAlive, long nowNanos) {
        if (keepAlive && !closeRequested && ctx.channel().isActive()) {
            timeouts.awaitNextRequest(nowNanos);
            ctx.read();
        } else {
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // A read cycle can end with only part of a request (headers now, body later, as with
        // "Expect: 100-continue"); the flow-control handler counts that cycle as our read, so ask again until a
        // whole request has arrived.
        if (current == null && ctx.channel().isActive()) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null && ctx.channel().isWritable()) {
            current.clientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (current != null) {
            current.clientGone();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DrainEvent.INSTANCE) {
            closeRequested = true;
            if (current == null) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("client {} connection error: {}", clientAddress, cause.toString());
        } else {
            log.warn("unexpected error on client connection {}", clientAddress, cause);
        }
        ctx.close();
    }
}
