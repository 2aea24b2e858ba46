package io.strangler.proxy.inbound;

import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import java.util.ArrayDeque;

/**
 * The client connection's codec with our request decoder ({@link StrictRequestDecoder}) and Netty's response
 * encoder, paired as Netty's server codec pairs them: each final response is matched with the oldest request not
 * yet answered, so the response to a {@code HEAD} goes out without a body.
 *
 * <p>One instance per channel; confined to its event loop.
 */
final class StrictServerCodec extends CombinedChannelDuplexHandler<StrictRequestDecoder, HttpResponseEncoder> {

    /** Methods of the requests decoded and not yet answered, oldest first. */
    private final ArrayDeque<HttpMethod> pending = new ArrayDeque<>(4);

    StrictServerCodec(int maxLineBytes, int maxHeaderBytes, int maxChunkBytes) {
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
    }
}
