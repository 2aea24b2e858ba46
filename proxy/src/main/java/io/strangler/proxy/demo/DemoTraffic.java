package io.strangler.proxy.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gentle stream of shop traffic through the demo proxy, so that the dashboard has live numbers, divergences and
 * latency lines from the moment the demo starts: item lookups by several users (one of them, alice, a pilot
 * user), the slow item list, orders created and read back, and the clock endpoint whose differences are noise.
 *
 * <p>Runs on one daemon thread of its own at a fixed rate, loopback only; {@link #close} stops it.
 */
public final class DemoTraffic implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoTraffic.class);
    private static final List<String> USERS = List.of("alice", "bob", "carol", "dave", "erin", "frank", "grace");

    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final java.util.concurrent.CountDownLatch warmedUp = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean running = true;

    private DemoTraffic(String base, double perSecond, int warmUp) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long pauseNanos = (long) (1_000_000_000L / perSecond);
        this.thread = new Thread(() -> run(client, base, pauseNanos, warmUp), "strangler-demo-traffic");
        thread.setDaemon(true);
    }

    /**
     * Sends {@code warmUp} requests at once, then {@code perSecond} requests a second, to {@code base} (e.g.
     * {@code http://127.0.0.1:8080}).
     */
    public static DemoTraffic start(String base, double perSecond, int warmUp) {
        if (perSecond <= 0 || perSecond > 1_000) {
            throw new IllegalArgumentException("demo traffic: " + perSecond + " requests/s (expected: 1 to 1000)");
        }
        DemoTraffic t = new DemoTraffic(base, perSecond, warmUp);
        t.thread.start();
        return t;
    }

    public long sent() {
        return sent.get();
    }

    /** Waits until the warm-up requests are answered, at most {@code max}. */
    public void awaitWarmUp(Duration max) throws InterruptedException {
        warmedUp.await(max.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void run(HttpClient client, String base, long pauseNanos, int warmUp) {
        long next = System.nanoTime();
        long lastOrder = 0;
        int n = 0;
        while (running) {
            if (++n == warmUp + 1) {
                warmedUp.countDown();
                next = System.nanoTime();
            }
            ThreadLocalRandom r = ThreadLocalRandom.current();
            String user = USERS.get(r.nextInt(USERS.size()));
            int pick = r.nextInt(100);
            HttpRequest.Builder b;
            if (pick < 55) {
                b = HttpRequest.newBuilder(URI.create(base + "/api/items/" + (1 + r.nextInt(5))));
            } else if (pick < 62) {
                b = HttpRequest.newBuilder(URI.create(base + "/api/items"));
            } else if (pick < 72) {
                b = HttpRequest.newBuilder(URI.create(base + "/api/orders"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"item\":" + (1 + r.nextInt(5)) + ",\"qty\":"
                                + (1 + r.nextInt(3)) + "}"));
            } else if (pick < 87) {
                b = HttpRequest.newBuilder(URI.create(base + "/api/orders/" + Math.max(1, lastOrder)));
            } else {
                b = HttpRequest.newBuilder(URI.create(base + "/api/time"));
            }
            try {
                HttpResponse<String> res = client.send(b.header("X-User-Id", user).timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (pick >= 62 && pick < 72 && res.statusCode() == 201) {
                    lastOrder = parseId(res.body(), lastOrder);
                }
                sent.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.io.IOException e) {
                log.debug("demo traffic request failed", e);
            }
            if (n <= warmUp) {
                continue;
            }
            next += pauseNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            } else {
                next = System.nanoTime();
            }
        }
    }

    private static long parseId(String body, long fallback) {
        int i = body.indexOf("\"id\":");
        if (i < 0) {
            return fallback;
        }
        int j = i + 5;
        while (j < body.length() && Character.isDigit(body.charAt(j))) {
            j++;
        }
        try {
            return Long.parseLong(body.substring(i + 5, j));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
