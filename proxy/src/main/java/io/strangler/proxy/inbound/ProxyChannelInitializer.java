package io.strangler.proxy.inbound;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.strangler.proxy.config.ListenConfig;
import io.strangler.proxy.exchange.ProxyError;

/**
 * Builds a client connection's pipeline:
 * {@code timeouts → codec → aggregator → flow → exchange}. The channel starts with auto-read off; the
 * exchange handler asks for the next request only when the current response is out, and the flow-control handler
 * holds back pipelined requests until then.
 */
public final class ProxyChannelInitializer extends ChannelInitializer<Channel> {

    private static final int MAX_CHUNK_BYTES = 64 * 1024;

    private final ProxyRuntime runtime;

    public ProxyChannelInitializer(ProxyRuntime runtime) {
        this.runtime = requireNonNull(runtime, "runtime");
    }

    @Override
    protected void initChannel(Channel ch) {
        ListenConfig listen = runtime.listen();
        InboundTimeouts timeouts = new InboundTimeouts(listen.requestHeaderTimeout().toNanos(),
                listen.idleTimeout().toNanos(), () -> runtime.refused(ProxyError.REQUEST_TIMEOUT));
        ChannelPipeline p = ch.pipeline();
        p.addLast("timeouts", timeouts);
        if (listen.strictDecoder()) {
            p.addLast("codec", new StrictServerCodec(listen.maxInitialLineBytes(), listen.maxHeaderBytes(),
                    MAX_CHUNK_BYTES));
        } else {
            p.addLast("codec", new HttpServerCodec(new HttpDecoderConfig()
                    .setMaxInitialLineLength(listen.maxInitialLineBytes())
                    .setMaxHeaderSize(listen.maxHeaderBytes())
                    .setMaxChunkSize(MAX_CHUNK_BYTES)));
        }
        p.addLast("aggregator", new RequestBodyAggregator(listen.maxRequestBodyBytes(), timeouts, runtime));
        p.addLast("flow", new FlowControlHandler());
        p.addLast("exchange", new InboundExchangeHandler(runtime, timeouts));
    }
}
