package io.strangler.proxy.inbound;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.ReferenceCountUtil;
import io.strangler.proxy.exchange.ErrorResponses;
import io.strangler.proxy.exchange.ProxyError;
import io.strangler.proxy.exchange.RequestIds;

/**
 * Collects a request body up to {@code listen.maxRequestBodyBytes} (the shadow needs its own copy of it), answers
 * {@code Expect: 100-continue}, and turns a too-large body into our JSON 413 followed by a close: once a client
 * has started sending a body we will not read, the connection cannot be reused.
 */
final class RequestBodyAggregator extends HttpObjectAggregator {

    RequestBodyAggregator(int maxBodyBytes) {
        super(maxBodyBytes, true);
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof FullHttpResponse r && r.status().code() == 413) {
            ReferenceCountUtil.release(response);
            return ErrorResponses.of(pipeline.channel().alloc(), ProxyError.BODY_TOO_LARGE, null,
                    RequestIds.of(start.headers()), false);
        }
        return response;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        // The caller releases oversized after this returns.
        ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), ProxyError.BODY_TOO_LARGE, null,
                RequestIds.of(oversized.headers()), false)).addListener(ChannelFutureListener.CLOSE);
    }
}
