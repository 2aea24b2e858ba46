package io.strangler.proxy.toggle;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strangler.proxy.config.CircuitBreakerPolicy;
import io.strangler.proxy.metrics.ProxyMeters;
import io.strangler.proxy.shadow.ShadowDispatcher;
import io.strangler.toggles.Mode;
import io.strangler.toggles.RouteState;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a route back to {@code shadow} by itself when the candidate fails the traffic it serves: a circuit breaker
 * per route (the route's {@code circuitBreaker} thresholds) watches candidate-served requests only, and when it
 * opens in {@code pilot} or {@code candidate} mode the route is switched to {@code shadow}, audited with source
 * {@code auto-rollback}, logged at WARN and counted in {@code strangler.auto.rollbacks}. The breaker only watches:
 * it never refuses a request.
 *
 * <p>Thread-safe. Outcomes are recorded on event loops (memory only); the switch itself (database writes) runs on
 * its own thread.
 */
public final class AutoRollback implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AutoRollback.class);
    static final String ACTOR = "strangler";
    static final String SOURCE = "auto-rollback";

    private final ToggleService toggles;
    private final MeterRegistry registry;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "strangler-auto-rollback");
        t.setDaemon(true);
        return t;
    });

    public AutoRollback(ToggleService toggles, MeterRegistry registry) {
        this.toggles = toggles;
        this.registry = registry;
    }

    /** What a route's served path reports to: one per route with a candidate. */
    public final class Watch {
        private final String route;
        private final CircuitBreaker breaker;
        private final Counter rollbacks;

        Watch(String route, CircuitBreakerPolicy p) {
            this.route = route;
            this.breaker = CircuitBreaker.of("served:" + route, ShadowDispatcher.breakerConfig(p));
            this.rollbacks = Counter.builder(ProxyMeters.AUTO_ROLLBACKS.meterName()).tag("route", route)
                    .register(registry);
            breaker.getEventPublisher().onStateTransition(e -> {
                if (e.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                    CircuitBreaker.Metrics m = breaker.getMetrics();
                    String why = String.format(Locale.ROOT, "candidate failed %.0f%% (slow %.0f%%) of the last %d "
                            + "requests it served", m.getFailureRate(), m.getSlowCallRate(),
                            m.getNumberOfBufferedCalls());
                    worker.execute(() -> rollBack(why));
                }
            });
        }

        /** The candidate answered a request it served (a 5xx is recorded as a failure). */
        public void answered(int status, long nanos) {
            if (status >= 500) {
                breaker.onError(nanos, TimeUnit.NANOSECONDS, Failure.SERVER_ERROR);
            } else {
                breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
            }
        }

        /** The candidate failed a request it served without an answer (refused, reset, timeout). */
        public void failed(long nanos) {
            breaker.onError(nanos, TimeUnit.NANOSECONDS, Failure.NO_ANSWER);
        }

        private void rollBack(String why) {
            try {
                RouteState now = toggles.toggles().state(route);
                if (now.mode() == Mode.PILOT || now.mode() == Mode.CANDIDATE) {
                    toggles.set(ACTOR, SOURCE, route, Mode.SHADOW.configName(), Optional.empty(), Optional.empty(),
                            why);
                    rollbacks.increment();
                    log.warn("AUTO-ROLLBACK: route {} switched from {} to shadow: {}", route, now.mode().configName(),
                            why);
                }
            } catch (Exception e) {
                log.error("auto-rollback of route {} failed ({}); it is still in its mode", route, e.toString());
            } finally {
                breaker.reset();
            }
        }
    }

    public Watch watch(String route, CircuitBreakerPolicy policy) {
        return new Watch(route, policy);
    }

    /** Shared, stackless: tells the breaker a served call failed and how. */
    private static final class Failure extends RuntimeException {
        static final Failure SERVER_ERROR = new Failure("the candidate answered 5xx");
        static final Failure NO_ANSWER = new Failure("the candidate did not answer");

        private Failure(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
