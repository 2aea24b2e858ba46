package io.strangler.proxy.shadow;

import io.strangler.comparator.Difference;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes divergences and shadow failures to the log, so that they can be seen before any store or dashboard
 * exists. At most one line per route, endpoint and outcome every {@code intervalMillis}, so a systematic
 * difference on a busy endpoint does not flood the log; the metrics count every one.
 *
 * <p>Thread-safe; called on compare threads and shadow event loops.
 */
public final class DivergenceLog implements ShadowResultListener {

    private static final Logger log = LoggerFactory.getLogger("io.strangler.divergence");
    private static final int DIFFERENCES_SHOWN = 3;
    private static final int MAX_KEYS = 10_000;

    private final Clock clock;
    private final long intervalMillis;
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

    public DivergenceLog(Clock clock, long intervalMillis) {
        this.clock = clock;
        this.intervalMillis = intervalMillis;
    }

    @Override
    public void onResult(ShadowResult r) {
        if (r.outcome() != ShadowOutcome.DIVERGED && r.outcome() != ShadowOutcome.FAILED || !log.isInfoEnabled()) {
            return;
        }
        String endpoint = r.comparison().map(c -> c.endpoint()).orElse(r.request().path());
        String key = r.request().routeId() + ' ' + endpoint + ' ' + r.outcome();
        long now = clock.millis();
        Long last = lastLogged.get(key);
        if (last != null && now - last < intervalMillis) {
            return;
        }
        if (lastLogged.size() >= MAX_KEYS) {
            lastLogged.clear();
        }
        lastLogged.put(key, now);
        if (r.outcome() == ShadowOutcome.FAILED) {
            log.info("shadow failed on route {}: {} {} ({}), request id {}", r.request().routeId(),
                    r.request().method(), r.request().path(), r.reason(), r.requestId());
            return;
        }
        List<Difference> diffs = r.comparison().map(c -> c.differences()).orElse(List.of());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(DIFFERENCES_SHOWN, diffs.size()); i++) {
            Difference d = diffs.get(i);
            sb.append(i == 0 ? "" : "; ").append(d.path()).append(' ').append(d.kind().tag()).append(": ")
                    .append(d.legacy()).append(" -> ").append(d.candidate());
        }
        if (diffs.size() > DIFFERENCES_SHOWN) {
            sb.append("; and ").append(diffs.size() - DIFFERENCES_SHOWN).append(" more");
        }
        log.info("diverged on route {}: {} {} (endpoint {}, request id {}): {}", r.request().routeId(),
                r.request().method(), r.request().path(), endpoint, r.requestId(), sb);
    }
}
