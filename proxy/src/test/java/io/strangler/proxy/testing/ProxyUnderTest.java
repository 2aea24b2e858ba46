package io.strangler.proxy.testing;

import io.micrometer.core.instrument.Counter;
import io.strangler.proxy.StranglerProxy;
import io.strangler.proxy.config.ConfigException;
import io.strangler.proxy.config.ConfigLoader;
import io.strangler.proxy.config.EnvExpander;
import io.strangler.proxy.config.ProxyConfig;
import io.strangler.proxy.config.UpstreamConfig;
import io.strangler.proxy.shadow.ShadowResultListener;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Starts the real proxy on a free loopback port from a YAML config, as {@code strangler run} would. */
public final class ProxyUnderTest implements AutoCloseable {

    private final StranglerProxy proxy;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private ProxyUnderTest(StranglerProxy proxy) {
        this.proxy = proxy;
    }

    /** When set, the {@code listen.requestDecoder} of every proxy whose config does not name one. */
    public static final String REQUEST_DECODER_PROPERTY = "strangler.test.requestDecoder";

    /** When set, the {@code responseDecoder} of every upstream of every proxy whose config does not name one. */
    public static final String RESPONSE_DECODER_PROPERTY = "strangler.test.responseDecoder";

    /** {@code yaml} without a {@code listen} section gets one bound to 127.0.0.1:0. */
    public static ProxyUnderTest start(String yaml) {
        return start(yaml, ShadowResultListener.NONE);
    }

    /** Like {@link #start(String)}, handing every shadow result to {@code listener}. */
    public static ProxyUnderTest start(String yaml, ShadowResultListener listener) {
        String full = yaml.contains("listen:") ? yaml : "listen: { host: 127.0.0.1, port: 0 }\n" + yaml;
        try {
            ProxyConfig config = new ConfigLoader(EnvExpander.of(Map.of())).parse(full, "test.yaml");
            String decoder = System.getProperty(REQUEST_DECODER_PROPERTY);
            if (decoder != null && !yaml.contains("requestDecoder")) {
                // The suite runs some classes a second time with Netty's request decoder (pom.xml, surefire).
                config = config.withListen(config.listen().withRequestDecoder(decoder));
            }
            String responseDecoder = System.getProperty(RESPONSE_DECODER_PROPERTY);
            if (responseDecoder != null && !yaml.contains("responseDecoder")) {
                Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
                config.upstreams().forEach((id, u) -> upstreams.put(id, u.withResponseDecoder(responseDecoder)));
                config = config.withUpstreams(upstreams);
            }
            if (!yaml.contains("store:")) {
                // No file store unless the test asks for one: tests must not leave databases behind.
                config = config.withStore(Optional.empty());
            }
            if (!yaml.contains("admin:")) {
                config = config.withAdmin(Optional.empty());
            }
            return new ProxyUnderTest(StranglerProxy.start(config, listener));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** One route {@code all} on {@code /} to one legacy upstream. */
    public static ProxyUnderTest singleRoute(String upstreamUrl, String upstreamExtra, String listenExtra) {
        return start("listen: { host: 127.0.0.1, port: 0" + (listenExtra.isEmpty() ? "" : ", " + listenExtra) + " }\n"
                + "upstreams:\n  legacy: { url: " + upstreamUrl
                + (upstreamExtra.isEmpty() ? "" : ", " + upstreamExtra) + " }\n"
                + "routes:\n  - { id: all, match: { pathPrefix: / }, legacy: legacy }\n");
    }

    /** The count of {@code strangler.shadow.outcomes} for this route, outcome and reason (0 if never counted). */
    public double outcomes(String route, String outcome, String reason) {
        Counter c = proxy.meterRegistry().find("strangler.shadow.outcomes")
                .tags("route", route, "outcome", outcome, "reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    /** The count of {@code strangler.requests.refused} for this reason (0 if never counted). */
    public double refused(String reason) {
        Counter c = proxy.meterRegistry().find("strangler.requests.refused").tags("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    public StranglerProxy proxy() {
        return proxy;
    }

    public int port() {
        return proxy.port();
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    public HttpClient client() {
        return client;
    }

    public HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        proxy.close();
    }
}
