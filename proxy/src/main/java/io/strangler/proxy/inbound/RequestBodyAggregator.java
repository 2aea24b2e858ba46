package io.strangler.proxy.inbound;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.strangler.proxy.exchange.ErrorResponses;
import io.strangler.proxy.exchange.ProxyError;
import io.strangler.proxy.exchange.RequestIds;

/**
 * Collects a request body up to {@code listen.maxRequestBodyBytes} (the shadow needs its own copy of it), answers
 * {@code Expect: 100-continue}, and turns a too-large body into our JSON 413 followed by a close: once a client
 * has started sending a body we will not read, the connection cannot be reused.
 *
 * <p>Most requests have no body (GET, HEAD, DELETE). For those the decoder emits the head and then an empty last
 * piece in the same read; they become one message here directly, without the composite buffer and the
 * {@code Content-Length: 0} the general aggregation adds. Anything else goes through the general aggregation.
 *
 * <p>One instance per channel; confined to its event loop.
 */
final class RequestBodyAggregator extends HttpObjectAggregator {

    /** A bodiless request's head, waiting for the empty last piece that the decoder sends right after it. */
    private HttpRequest bodilessHead;

    private final InboundTimeouts timeouts;
    private final ProxyRuntime runtime;

    RequestBodyAggregator(int maxBodyBytes, InboundTimeouts timeouts, ProxyRuntime runtime) {
        super(maxBodyBytes, true);
        this.timeouts = timeouts;
        this.runtime = runtime;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            // Told here rather than by a handler of its own: one pipeline hop less for every message.
            timeouts.headersDecoded();
        }
        if (bodilessHead != null) {
            HttpRequest head = bodilessHead;
            bodilessHead = null;
            if (msg instanceof LastHttpContent last && !(msg instanceof FullHttpRequest)
                    && last.decoderResult().isSuccess() && !last.content().isReadable()) {
                FullHttpRequest whole = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                        Unpooled.EMPTY_BUFFER, head.headers(), last.trailingHeaders());
                last.release();
                ctx.fireChannelRead(whole);
                return;
            }
            // Not what the decoder sends after a bodiless head: let the general aggregation judge both.
            super.channelRead(ctx, head);
            super.channelRead(ctx, msg);
            return;
        }
        if (msg instanceof HttpRequest request && !(msg instanceof FullHttpRequest)
                && request.decoderResult().isSuccess() && isBodiless(request.headers())) {
            bodilessHead = request;
            return;
        }
        super.channelRead(ctx, msg);
    }

    /** No body is announced (RFC 9112 section 6.3: then a request has none) and nothing is expected of us. */
    private static boolean isBodiless(HttpHeaders headers) {
        return !headers.contains(HttpHeaderNames.CONTENT_LENGTH)
                && !headers.contains(HttpHeaderNames.TRANSFER_ENCODING)
                && !headers.contains(HttpHeaderNames.EXPECT);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (bodilessHead != null && !ctx.channel().config().isAutoRead()) {
            // Not expected (the decoder sends both pieces together), but never leave a request half-read.
            ctx.read();
        }
        super.channelReadComplete(ctx);
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof FullHttpResponse r && r.status().code() == 413) {
            ReferenceCountUtil.release(response);
            runtime.refused(ProxyError.BODY_TOO_LARGE);
            return ErrorResponses.of(pipeline.channel().alloc(), ProxyError.BODY_TOO_LARGE, null,
                    RequestIds.of(start.headers()), false);
        }
        return response;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        // The caller releases oversized after this returns.
        runtime.refused(ProxyError.BODY_TOO_LARGE);
        ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), ProxyError.BODY_TOO_LARGE, null,
                RequestIds.of(oversized.headers()), false)).addListener(ChannelFutureListener.CLOSE);
    }
}
