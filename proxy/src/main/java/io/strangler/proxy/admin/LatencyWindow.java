package io.strangler.proxy.admin;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cumulative latency buckets of one side of a route (legacy or candidate), summed over the timers that describe it
 * (served and shadow calls, every status class). Two of them taken some seconds apart give the latency of the
 * calls in between: {@link #since}.
 *
 * <p>Immutable.
 */
record LatencyWindow(TreeMap<Double, Double> cumulative, long count) {

    static final LatencyWindow EMPTY = new LatencyWindow(new TreeMap<>(), 0);

    /** The summed histogram of {@code timers}, read now. Bucket counts are cumulative since start. */
    static LatencyWindow of(Collection<Timer> timers) {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        long count = 0;
        for (Timer t : timers) {
            var snapshot = t.takeSnapshot();
            count += snapshot.count();
            for (CountAtBucket b : snapshot.histogramCounts()) {
                buckets.merge(b.bucket(java.util.concurrent.TimeUnit.MILLISECONDS), b.count(), Double::sum);
            }
        }
        return new LatencyWindow(buckets, count);
    }

    /** The calls recorded after {@code earlier}: bucket by bucket differences. */
    LatencyWindow since(LatencyWindow earlier) {
        TreeMap<Double, Double> d = new TreeMap<>();
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            d.put(e.getKey(), Math.max(0, e.getValue() - earlier.cumulative.getOrDefault(e.getKey(), 0.0)));
        }
        return new LatencyWindow(d, Math.max(0, count - earlier.count));
    }

    /**
     * The {@code q} quantile in milliseconds, interpolated inside the bucket it falls in; {@code NaN} without calls.
     * Bucket counts are "at or below the bound", as Prometheus keeps them.
     */
    double quantile(double q) {
        if (count == 0 || cumulative.isEmpty()) {
            return Double.NaN;
        }
        double target = q * count;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            double upper = e.getKey();
            double c = e.getValue();
            if (c >= target && c > lowerCount) {
                double fraction = (target - lowerCount) / (c - lowerCount);
                return lowerBound + Math.max(0, Math.min(1, fraction)) * (upper - lowerBound);
            }
            lowerBound = upper;
            lowerCount = c;
        }
        // Above the last bound (slower than the histogram's maximum): report the bound, the most we know.
        return lowerBound;
    }
}
