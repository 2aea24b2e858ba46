package io.strangler.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.strangler.proxy.exchange.HeaderLines;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The codec of a connection to an upstream: our response decoder ({@link UpstreamResponseDecoder}, which reads plain
 * responses itself and leaves the rest to Netty's) and Netty's request encoder, paired so that the response to a
 * {@code HEAD} (or a {@code CONNECT} accepted with 2xx) is read without a body.
 *
 * <p>The encoder differs from Netty's client codec in one way: the request target is written byte for byte. The inbound
 * decoder turns each byte of the request line into one char (ISO-8859-1), and Netty's encoder writes the target as
 * UTF-8, so a client's raw UTF-8 path ({@code /café} without percent-encoding) would reach the upstream with every
 * byte above 0x7F doubled into two. Writing each char back as the byte it came from keeps the upstream's request
 * line identical to the client's. A target holding a char above 0xFF did not come from the wire; it is written as
 * UTF-8, as before.
 *
 * <p>Header fields are written by {@link HeaderLines}: the same bytes as Netty's encoder writes, but the client's
 * fields that our request decoder handed on in one piece are copied as one.
 *
 * <p>Public for the codec benchmark in {@code load-tests}. One instance per upstream channel; confined to its event
 * loop.
 */
public final class UpstreamHttpCodec extends CombinedChannelDuplexHandler<UpstreamResponseDecoder, HttpRequestEncoder> {

    /** Methods of the requests sent and not yet answered, oldest first. */
    private final ArrayDeque<HttpMethod> sent = new ArrayDeque<>(4);

    /**
     * @param fastResponses whether plain responses are decoded by our fast path ({@link UpstreamResponseDecoder}),
     *                      or every response by Netty's decoder
     */
    public UpstreamHttpCodec(HttpDecoderConfig config, boolean fastResponses) {
        init(new UpstreamResponseDecoder(config, sent, fastResponses), new RequestEncoder());
    }

    private final class RequestEncoder extends HttpRequestEncoder {

        @Override
        protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
            if (msg instanceof HttpRequest request) {
                sent.addLast(request.method());
            }
            super.encode(ctx, msg, out);
        }

        /** The same bytes as Netty's, with the fields still in one piece from our decoder copied as one. */
        @Override
        protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
            HeaderLines.write(headers, buf);
        }

        @Override
        protected void encodeInitialLine(ByteBuf buf, HttpRequest request) throws Exception {
            String uri = request.uri();
            if (!isLatin1(uri)) {
                super.encodeInitialLine(buf, request);
                return;
            }
            ByteBufUtil.copy(request.method().asciiName(), buf);
            buf.writeByte(' ');
            if (uri.isEmpty()) {
                buf.writeByte('/');
            } else {
                buf.writeCharSequence(uri, StandardCharsets.ISO_8859_1);
            }
            buf.writeByte(' ');
            ByteBufUtil.writeAscii(buf, request.protocolVersion().text());
            buf.writeByte('\r').writeByte('\n');
        }

        /**
         * True when every char fits in one byte and the target is in origin form or empty (the forms the proxy
         * sends); anything else goes to Netty's encoder, which also completes an absolute URI without a path.
         */
        private static boolean isLatin1(String uri) {
            if (!uri.isEmpty() && uri.charAt(0) != '/') {
                return false;
            }
            for (int i = 0; i < uri.length(); i++) {
                if (uri.charAt(i) > 0xFF) {
                    return false;
                }
            }
            return true;
        }
    }
}
