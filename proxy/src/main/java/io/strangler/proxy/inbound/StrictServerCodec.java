package io.strangler.proxy.inbound;

import io.netty.buffer.ByteBuf;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.strangler.proxy.exchange.HeaderLines;
import java.util.ArrayDeque;

/**
 * The client connection's codec with our request decoder ({@link StrictRequestDecoder}) and Netty's response
 * encoder, paired as Netty's server codec pairs them: each final response is matched with the oldest request not
 * yet answered, so the response to a {@code HEAD} goes out without a body. Its header fields are written by
 * {@link HeaderLines}: the same bytes as Netty's encoder writes, with those of an upstream's response that our
 * response decoder handed on in one piece copied as one.
 *
 * <p>Public for the codec benchmark in {@code load-tests}. One instance per channel; confined to its event loop.
 */
public final class StrictServerCodec extends CombinedChannelDuplexHandler<StrictRequestDecoder, HttpResponseEncoder> {

    /** Methods of the requests decoded and not yet answered, oldest first. */
    private final ArrayDeque<HttpMethod> pending = new ArrayDeque<>(4);

    public StrictServerCodec(int maxLineBytes, int maxHeaderBytes, int maxChunkBytes) {
        init(new StrictRequestDecoder(maxLineBytes, maxHeaderBytes, maxChunkBytes, pending::addLast),
                new ResponseEncoder());
    }

    private final class ResponseEncoder extends HttpResponseEncoder {

        private HttpMethod answering;

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // 100 Continue and the like: the request still waits for its final response.
                return super.isContentAlwaysEmpty(msg);
            }
            answering = pending.pollFirst();
            return HttpMethod.HEAD.equals(answering) || super.isContentAlwaysEmpty(msg);
        }

        @Override
        protected void sanitizeHeadersBeforeEncode(HttpResponse msg, boolean isAlwaysEmpty) {
            if (!isAlwaysEmpty && HttpMethod.CONNECT.equals(answering)
                    && msg.status().codeClass() == HttpStatusClass.SUCCESS) {
                // A 2xx to CONNECT has no body, so no body framing either (RFC 9110 section 9.3.6).
                msg.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                return;
            }
            super.sanitizeHeadersBeforeEncode(msg, isAlwaysEmpty);
        }

        /** The same bytes as Netty's, with the fields still in one piece from the upstream's head copied as one. */
        @Override
        protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
            HeaderLines.write(headers, buf);
        }
    }
}
