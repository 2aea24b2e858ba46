package io.strangler.comparator;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * The result of comparing legacy with candidate for one request. Immutable.
 *
 * @param request the request compared
 * @param endpoint the request path as a template ({@code /api/orders/{id}}), for grouping
 * @param verdict the outcome
 * @param differences differences no rule ignored (the divergence, if any)
 * @param ignored differences a rule ignored, kept so that "ignored" stays visible
 * @param ruleHits how often each rule fired in this comparison, by rule name (e.g. {@code ignorePaths:$..generatedAt})
 * @param notes what the comparator could not do fully (e.g. a body compared only up to its limit)
 */
public record Comparison(ComparedRequest request, String endpoint, Verdict verdict, List<Difference> differences,
        List<Difference> ignored, Map<String, Integer> ruleHits, List<String> notes) {

    public Comparison {
        requireNonNull(request, "request");
        requireNonNull(endpoint, "endpoint");
        requireNonNull(verdict, "verdict");
        differences = List.copyOf(differences);
        ignored = List.copyOf(ignored);
        ruleHits = Map.copyOf(ruleHits);
        notes = List.copyOf(notes);
    }

    public boolean diverged() {
        return verdict == Verdict.DIVERGED;
    }
}
