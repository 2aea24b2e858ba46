package io.strangler.loadtests;

import io.strangler.comparator.Body;
import io.strangler.comparator.ComparedRequest;
import io.strangler.comparator.CompareRules;
import io.strangler.comparator.Comparison;
import io.strangler.comparator.Observation;
import io.strangler.comparator.ResponseComparator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Comparisons per second for JSON bodies of about 2 KiB and 64 KiB, identical (matched) and with a few changed
 * fields (diverged), under realistic rules (an ignored timestamp path, an unordered array).
 *
 * <p>Run: {@code java -jar load-tests/target/strangler-benchmarks.jar ComparatorBenchmark -t 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ComparatorBenchmark {

    @Param({"2048", "65536"})
    public int bodyBytes;

    private final ResponseComparator comparator = new ResponseComparator();
    private final CompareRules rules = CompareRules.builder().ignorePaths("$.generatedAt")
            .unorderedArrays("$.tags").build();
    private final ComparedRequest request = new ComparedRequest("items", "GET", "/api/items/42");
    private Observation legacy;
    private Observation same;
    private Observation changed;

    @Setup
    public void setUp() {
        legacy = observation(document(bodyBytes, false, "t1"));
        same = observation(document(bodyBytes, false, "t2"));
        changed = observation(document(bodyBytes, true, "t3"));
    }

    /** A catalogue page of about {@code bytes} bytes; {@code changed} alters every 10th price and one name. */
    static String document(int bytes, boolean changed, String stamp) {
        StringBuilder sb = new StringBuilder("{\"generatedAt\":\"" + stamp + "\",\"tags\":[\"a\",\"b\",\"c\"],"
                + "\"items\":[");
        int i = 0;
        while (sb.length() < bytes - 120) {
            String price = changed && i % 10 == 3 ? (i * 1.5 + 0.01) + "" : (i * 1.5) + "";
            String name = changed && i == 5 ? "renamed" : "item number " + i;
            sb.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"name\":\"").append(name)
                    .append("\",\"price\":").append(price).append(",\"stock\":").append(i % 7)
                    .append(",\"active\":true}");
            i++;
        }
        return sb.append("],\"count\":").append(i).append('}').toString();
    }

    private static Observation observation(String body) {
        return Observation.of(200, Map.of("Content-Type", List.of("application/json")), Body.of(body),
                Duration.ofMillis(3));
    }

    @Benchmark
    public Comparison matched() {
        return comparator.compare(request, legacy, same, rules);
    }

    @Benchmark
    public Comparison diverged() {
        return comparator.compare(request, legacy, changed, rules);
    }
}
